"""A stored password never follows a changed server.

Change a mailbox's host, port, encryption, login or certificate — in the form, or behind its back with
the ORM — and the stored password is sent nowhere until someone types it again, whichever path would
send it: the form's own test, Test connection, Send test message, a notification, a poll. The "new
server" is a listener the test controls, which records everything a client sends it.
"""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from intake.reasons import in_english
from mailboxes.connections.checking import check_connection
from mailboxes.models import Mailbox
from mailboxes.notifications.sending import Outcome, send_notification
from mailboxes.notifications.tenant_settings import choose_notification_mailbox
from mailboxes.polling.poll import poll_mailbox
from tests import builders
from tests.mailboxes.other_server import (
    change_form,
    change_url,
    form_errors,
    messages_of,
    point_at,
)

RETYPE = "type the password again"


@pytest.fixture
def imap_box(make_mailbox, dovecot, imap_user):
    return make_mailbox(port=dovecot.imaps_port, login=imap_user.login, password=imap_user.password)


@pytest.fixture
def smtp_box(world_a, ca_pem, smtp_server, smtp_user):
    return builders.make_outgoing_mailbox(
        world_a.tenant, smtp_server=smtp_server, smtp_user=smtp_user, trusted_certificate=ca_pem
    )


# -- the form ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["imap", "smtp"])
def test_the_form_asks_for_the_password_again_when_the_server_changes(kind, request, admin_client, listener):
    mailbox = request.getfixturevalue(f"{kind}_box")
    new_host = listener(kind)
    response = admin_client.post(
        change_url(mailbox), change_form(mailbox, host="localhost", port=new_host.port)
    )
    assert response.status_code == 200
    assert form_errors(response)["new_password"] == [
        "You changed the server (server, port): type the password again."
    ]
    assert new_host.connections == 0
    stored = Mailbox.all_tenants.get(pk=mailbox.pk)
    assert (stored.host, stored.port) == ("127.0.0.1", mailbox.port)


@pytest.mark.parametrize(
    "change, named",
    [
        ("encryption", "port, encryption"),
        ("login", "login"),
        ("certificate", "trusted certificate (PEM)"),
        ("purpose", "purpose"),
    ],
)
def test_every_connection_field_needs_the_password_typed_again(
    change, named, admin_client, imap_box, dovecot, imap_user, tls_material
):
    changes = {
        "encryption": {"encryption": "starttls", "port": dovecot.imap_port},
        "login": {"login": "someone-else@alpha.example"},
        "certificate": {"trusted_certificate": tls_material.untrusted_cert.read_text()},
        "purpose": {"purpose": "outgoing"},
    }[change]
    logins = len(dovecot.logins(imap_user.login))
    response = admin_client.post(change_url(imap_box), change_form(imap_box, **changes))
    assert form_errors(response)["new_password"] == [f"You changed the server ({named}): {RETYPE}."]
    assert len(dovecot.logins(imap_user.login)) == logins  # the form's test did not run with it either


def test_the_same_server_spelled_otherwise_keeps_the_password(admin_client, imap_box):
    pem = imap_box.trusted_certificate.replace("\n", "\r\n")  # what a browser's textarea sends
    response = admin_client.post(
        change_url(imap_box), change_form(imap_box, name="Renamed", trusted_certificate=pem)
    )
    assert response.status_code == 302
    assert Mailbox.all_tenants.get(pk=imap_box.pk).name == "Renamed"


def test_the_same_password_typed_again_is_bound_to_the_new_settings(
    admin_client, imap_box, dovecot, imap_user
):
    data = change_form(
        imap_box, encryption="starttls", port=dovecot.imap_port, new_password=imap_user.password
    )
    response = admin_client.post(change_url(imap_box), data)
    assert response.status_code == 302
    stored = Mailbox.all_tenants.get(pk=imap_box.pk)
    assert stored.stored_secret_fits("password")
    assert check_connection(stored).ok
    assert dovecot.logins(imap_user.login)[-1].tls


def test_the_new_host_gets_a_password_typed_for_it_and_never_the_stored_one(
    admin_client, imap_box, imap_user, listener
):
    new_host = listener("imap")
    data = change_form(imap_box, host="localhost", port=new_host.port, new_password="typed-for-the-new-host")
    response = admin_client.post(change_url(imap_box), data)
    assert "The connection test failed" in response.content.decode()
    assert new_host.saw("typed-for-the-new-host")  # the listener does record what a client sends
    assert not new_host.saw(imap_user.password)


def test_an_unsaved_change_gets_no_stored_password_either(smtp_box, smtp_user, listener):
    new_host = listener("smtp")
    smtp_box.host, smtp_box.port = "localhost", new_host.port
    assert check_connection(smtp_box, record=False).kind == "secret_needs_retyping"
    assert new_host.connections == 0
    report = check_connection(smtp_box, password="typed-for-the-new-host", record=False)
    assert report.kind == "authentication_rejected"
    assert new_host.saw("typed-for-the-new-host")
    assert not new_host.saw(smtp_user.password)


# -- changes made behind the form's back ---------------------------------------------------------------


@pytest.mark.parametrize("how", ["save", "update"])
@pytest.mark.parametrize("path", ["test button", "form", "poll"])
def test_a_changed_incoming_mailbox_sends_its_stored_password_nowhere(
    path, how, admin_client, imap_box, listener, world_a
):
    new_host = listener("imap")
    buffer = builders.make_buffer(world_a.tenant, name="Invoices", mailbox=imap_box)
    mailbox = point_at(imap_box, new_host, how)
    if path == "test button":
        response = admin_client.post(reverse("admin:mailboxes_mailbox_test", args=[mailbox.pk]), follow=True)
        assert any(RETYPE in message for message in messages_of(response))
    elif path == "form":  # saved as shown, password left empty
        assert "not used: type it again" in admin_client.get(change_url(mailbox)).content.decode()
        response = admin_client.post(change_url(mailbox), change_form(mailbox, name="Renamed"))
        assert form_errors(response)["new_password"] == [
            "The stored password was typed for other server settings and is not used: type it again."
        ]
    else:
        assert RETYPE in poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk]).error
    assert new_host.connections == 0
    if path != "form":
        assert Mailbox.all_tenants.get(pk=mailbox.pk).state == Mailbox.State.NEEDS_SIGN_IN


@pytest.mark.parametrize("how", ["save", "update"])
@pytest.mark.parametrize("path", ["test", "send_test", "notification"])
def test_a_changed_outgoing_mailbox_sends_its_stored_password_nowhere(
    path, how, admin_client, smtp_box, listener, world_a, settings
):
    settings.PORTAL_BASE_URL = "https://portal.example.com"
    new_host = listener("smtp")
    choose_notification_mailbox(tenant=world_a.tenant, mailbox=smtp_box)
    mailbox = point_at(smtp_box, new_host, how)
    if path == "notification":
        assert send_notification(builders.queue(world_a).pk) == Outcome.WAITING
    else:
        url = reverse(f"admin:mailboxes_mailbox_{path}", args=[mailbox.pk])
        assert any(RETYPE in message for message in messages_of(admin_client.post(url, follow=True)))
    assert new_host.connections == 0
    stored = Mailbox.all_tenants.get(pk=mailbox.pk)
    assert stored.state == Mailbox.State.NEEDS_SIGN_IN
    assert RETYPE in in_english(stored.last_error)


def test_changed_back_the_password_works_again(imap_box, listener):
    point_at(imap_box, listener("imap"), "update")
    Mailbox.all_tenants.filter(pk=imap_box.pk).update(host=imap_box.host, port=imap_box.port)
    assert check_connection(Mailbox.all_tenants.get(pk=imap_box.pk)).ok


# -- the upgrade ---------------------------------------------------------------------------------------


def test_the_upgrade_binds_stored_secrets_to_the_settings_they_have(imap_box, smtp_box):
    # As before the upgrade: secrets without bindings, which credentials would refuse.
    Mailbox.all_tenants.update(password_bound_to="", client_secret_bound_to="", token_cache_bound_to="")
    assert check_connection(Mailbox.all_tenants.get(pk=imap_box.pk)).kind == "secret_needs_retyping"
    migration = importlib.import_module("mailboxes.migrations.0007_mailbox_secret_bindings")
    migration.bind_stored_secrets(apps, None)
    for mailbox in Mailbox.all_tenants.all():
        assert mailbox.stored_secret_fits("password")
        assert mailbox.client_secret_bound_to == ""  # none stored: nothing to bind
        assert check_connection(mailbox).ok, mailbox.last_error
