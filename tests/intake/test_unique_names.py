"""A name a tenant already uses is refused as an error on its field (never a 500 from the database's
constraint), nothing is saved, what was typed stays; another tenant may use the same name."""

import threading

import pytest
from django.db import connection, connections
from django.db.models.signals import pre_save
from django.urls import reverse
from django.utils import translation

from acd_points.models import AcdPoint, OcrPoint
from intake.forms import DUPLICATE_NAME
from intake.models import Employee, Tenant
from mailboxes.models import Buffer, Mailbox
from tests import builders


def _add(model, client, data):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    return client.post(url, data)


def _errors(response):
    assert response.status_code == 200, response.status_code
    return response.context["adminform"].form.errors


@pytest.fixture
def admin_of_a(world_a, client_for):
    return client_for(world_a.admin)


@pytest.fixture
def root_client(django_user_model, client_for):
    return client_for(django_user_model.objects.create_superuser("root", "root@example.com", "x"))


@pytest.fixture
def incoming_form(dovecot, imap_user, ca_pem):
    """What an administrator types for an incoming mailbox on the test Dovecot (its test passes)."""
    return {
        "name": "Invoices",
        "purpose": "incoming",
        "host": "127.0.0.1",
        "port": str(dovecot.imaps_port),
        "encryption": "ssl",
        "trusted_certificate": ca_pem,
        "email_address": "faktury@alpha.example",
        "login": imap_user.login,
        "auth_method": "password",
        "new_password": imap_user.password,
        "oauth_grant": "delegated",
        "oauth_client_id": "",
        "new_client_secret": "",
        "oauth_directory_id": "",
    }


def test_a_duplicate_incoming_mailbox_is_a_field_error_before_its_connection_test(
    admin_of_a, world_a, make_mailbox, incoming_form, imap_user
):
    make_mailbox(name="Invoices", password="stored-secret-of-the-first")
    response = _add(Mailbox, admin_of_a, incoming_form)
    form = response.context["adminform"].form
    assert _errors(response) == {"name": [DUPLICATE_NAME % {"model_name": "Mailbox", "name": "Invoices"}]}
    assert form.connection_report is None  # refused before the test: nothing was tried on the server
    page = response.content.decode()
    assert 'value="faktury@alpha.example"' in page and f'value="{imap_user.login}"' in page
    assert f'value="{imap_user.password}"' in page  # the password typed now stays in its field
    assert "stored-secret-of-the-first" not in page
    assert Mailbox.all_tenants.count() == 1

    # The values kept on the page are enough: only the name changes, and the test passes.
    response = _add(Mailbox, admin_of_a, incoming_form | {"name": "Invoices 2"})
    assert response.status_code == 302
    assert Mailbox.all_tenants.get(name="Invoices 2").state == Mailbox.State.READY


def test_a_stored_password_is_never_rendered_on_a_change_page_shown_again(admin_of_a, make_mailbox):
    make_mailbox(name="Invoices")
    other = make_mailbox(name="Other", password="stored-secret-123")
    url = reverse("admin:mailboxes_mailbox_change", args=[other.pk])
    data = {"name": "Invoices", "purpose": "outgoing", "host": "127.0.0.1", "port": "465"}
    response = admin_of_a.post(url, data | {"encryption": "ssl", "email_address": "x@alpha.example"})
    assert "name" in _errors(response)
    assert "stored-secret-123" not in response.content.decode()
    assert Mailbox.all_tenants.get(pk=other.pk).name == "Other"


def _buffer_form(world):
    mailbox = builders.another_mailbox(world)
    return {"name": "Invoices", "mailbox": mailbox.pk, "folder": "INBOX", "poll_interval_seconds": "120"}


def _acd_point_form(world):
    buffer = builders.another_buffer(world)
    return {"kind": "mailbox", "buffer": buffer.pk, "name": "Invoices", "show_subject": "on"}


def _ocr_point_form(world):
    return {"name": "Invoices", "folder": "ocr/incoming"}


def _existing(model, world):
    """An object of `world`'s tenant named "Invoices"."""
    tenant = world.tenant
    if model is Buffer:
        return builders.make_buffer(tenant, name="Invoices", mailbox=builders.another_mailbox(world))
    if model is AcdPoint:
        return builders.make_acd_point(tenant, name="Invoices", buffer=builders.another_buffer(world))
    return builders.make_ocr_point(tenant, name="Invoices")


FORMS = {Buffer: _buffer_form, AcdPoint: _acd_point_form, OcrPoint: _ocr_point_form}


@pytest.mark.parametrize("model", FORMS, ids=lambda m: m.__name__)
def test_a_duplicate_name_is_a_field_error_and_nothing_is_saved(model, admin_of_a, world_a, world_b):
    _existing(model, world_a)
    response = _add(model, admin_of_a, FORMS[model](world_a))
    [message] = _errors(response)["name"]
    assert "“Invoices” already exists" in message
    assert model.all_tenants.filter(tenant=world_a.tenant).count() == 1
    assert 'value="Invoices"' in response.content.decode()  # what was typed is shown again


@pytest.mark.parametrize("model", FORMS, ids=lambda m: m.__name__)
def test_another_tenant_may_use_the_same_name(model, admin_of_a, world_a, world_b):
    _existing(model, world_b)
    assert _add(model, admin_of_a, FORMS[model](world_a)).status_code == 302
    assert model.all_tenants.get(tenant=world_a.tenant).name == "Invoices"


def test_renaming_to_a_used_name_is_a_field_error(admin_of_a, world_a):
    _existing(OcrPoint, world_a)
    other = builders.make_ocr_point(world_a.tenant, name="Other")
    url = reverse("admin:acd_points_ocrpoint_change", args=[other.pk])
    assert "name" in _errors(admin_of_a.post(url, {"name": "Invoices", "folder": "ocr"}))
    # Saving an object under its own name is no clash with itself.
    assert admin_of_a.post(url, {"name": "Other", "folder": "ocr/2026"}).status_code == 302
    assert OcrPoint.all_tenants.get(pk=other.pk).folder == "ocr/2026"


def test_a_superuser_editing_another_tenants_object_is_checked_against_that_tenant(
    root_client, world_a, world_b
):
    _existing(OcrPoint, world_b)
    other = builders.make_ocr_point(world_b.tenant, name="Other")
    url = reverse("admin:acd_points_ocrpoint_change", args=[other.pk])
    assert "name" in _errors(root_client.post(url, {"name": "Invoices", "folder": "ocr"}))
    assert root_client.post(url, {"name": "Other B", "folder": "ocr"}).status_code == 302


def test_a_taken_username_is_a_field_error_and_the_typed_password_stays(admin_of_a, world_a, world_b):
    data = {"username": "beta-operator", "password": "a-long-and-new-passphrase", "role": "operator"}
    response = _add(Employee, admin_of_a, data | {"is_active": "on"})
    assert _errors(response).keys() == {"username"}
    assert 'value="a-long-and-new-passphrase"' in response.content.decode()
    assert not Employee.all_tenants.filter(tenant=world_a.tenant, user__username="beta-operator").exists()


def test_a_taken_slug_is_a_field_error(root_client, world_a):
    data = {"name": "Another Alpha", "slug": "alpha", "is_active": "on"}
    assert _errors(_add(Tenant, root_client, data)).keys() == {"slug"}
    assert Tenant.objects.filter(slug="alpha").count() == 1


def test_the_error_is_in_the_readers_language(admin_of_a, world_a):
    _existing(OcrPoint, world_a)
    params = {"model_name": "Punkt OCR", "name": "Invoices"}
    english = DUPLICATE_NAME % params
    with translation.override("pl"):
        polish = DUPLICATE_NAME % params
        response = admin_of_a.post(
            reverse("admin:acd_points_ocrpoint_add"), _ocr_point_form(world_a), HTTP_ACCEPT_LANGUAGE="pl"
        )
    assert polish != english  # the catalogue has the message in Polish
    assert response.status_code == 200 and polish in response.content.decode()


# -- a concurrent save taking the name between this form's validation and its save ----------------------


@pytest.fixture
def taken_while_saving():
    """arm(model, insert): just before the next new `model` row is written, insert() writes another row
    with its name, as a second administrator's save would after this form was validated."""
    armed = []

    def arm(model, insert):
        done = []

        def before_insert(sender, instance, **kwargs):
            if instance.pk is None and not done:
                done.append("started")  # once: the competing row's own save comes here too
                done.append(insert())

        pre_save.connect(before_insert, sender=model, weak=False, dispatch_uid="taken-while-saving")
        armed.append(model)
        return done

    yield arm
    for model in armed:
        pre_save.disconnect(sender=model, dispatch_uid="taken-while-saving")


@pytest.mark.parametrize("model", FORMS, ids=lambda m: m.__name__)
def test_a_name_taken_during_the_save_is_the_same_field_error(model, admin_of_a, world_a, taken_while_saving):
    data = FORMS[model](world_a)
    inserted = taken_while_saving(model, lambda: _existing(model, world_a))
    response = _add(model, admin_of_a, data)
    assert inserted, "the competing row was written before this save"
    [message] = _errors(response)["name"]
    assert "“Invoices” already exists" in message
    assert 'value="Invoices"' in response.content.decode()
    # Nothing of this request stays (the competing row was written inside it, so it went too), and the
    # connection is still usable: on PostgreSQL a savepoint kept the transaction alive.
    assert model.all_tenants.filter(tenant=world_a.tenant, name="Invoices").count() == 0
    assert _add(model, admin_of_a, FORMS[model](world_a)).status_code == 302


def test_an_incoming_mailbox_taken_during_the_save_keeps_everything_typed(
    admin_of_a, make_mailbox, incoming_form, imap_user, taken_while_saving
):
    taken_while_saving(Mailbox, lambda: make_mailbox(name="Invoices", password="stored-secret-of-the-other"))
    response = _add(Mailbox, admin_of_a, incoming_form)
    assert _errors(response) == {"name": [DUPLICATE_NAME % {"model_name": "Mailbox", "name": "Invoices"}]}
    page = response.content.decode()
    assert 'value="faktury@alpha.example"' in page and f'value="{imap_user.login}"' in page
    assert f'value="{imap_user.password}"' in page  # the typed password stays in its field
    assert "stored-secret-of-the-other" not in page


def test_a_slug_taken_during_the_save_is_the_same_field_error(root_client, taken_while_saving):
    taken_while_saving(Tenant, lambda: Tenant.objects.create(name="Other", slug="gamma"))
    response = _add(Tenant, root_client, {"name": "Gamma", "slug": "gamma", "is_active": "on"})
    assert _errors(response).keys() == {"slug"}
    assert not Tenant.objects.filter(slug="gamma").exists()


def test_a_username_taken_during_the_save_is_a_field_error_and_the_password_stays(
    admin_of_a, world_a, django_user_model, taken_while_saving
):
    taken_while_saving(django_user_model, lambda: django_user_model.objects.create_user("newbie"))
    data = {"username": "newbie", "password": "a-long-and-new-passphrase", "role": "operator"}
    response = _add(Employee, admin_of_a, data | {"is_active": "on"})
    assert _errors(response) == {"username": ["This username is already taken."]}
    assert 'value="a-long-and-new-passphrase"' in response.content.decode()
    assert not django_user_model.objects.filter(username="newbie").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite takes the write lock at BEGIN")
@pytest.mark.django_db(transaction=True)
def test_a_name_committed_by_another_connection_during_the_save_is_a_field_error(
    world_a, client_for, taken_while_saving
):
    """On PostgreSQL the competing save really is another transaction, committed while this one runs."""

    def commit_elsewhere():
        def insert():
            try:
                _existing(OcrPoint, world_a)
            finally:
                connections.close_all()

        thread = threading.Thread(target=insert)
        thread.start()
        thread.join()
        return True

    taken_while_saving(OcrPoint, commit_elsewhere)
    response = _add(OcrPoint, client_for(world_a.admin), _ocr_point_form(world_a))
    assert "“Invoices” already exists" in _errors(response)["name"][0]
    assert OcrPoint.all_tenants.filter(tenant=world_a.tenant, name="Invoices").count() == 1  # the other's
