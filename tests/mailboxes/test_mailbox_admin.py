"""The mailbox form in the admin: tested before saving, secrets never shown back, tenant-scoped buttons."""

import logging

import pytest
from django.urls import reverse

from mailboxes.connections.checking import check_connection
from mailboxes.models import Mailbox

ADD_URL = reverse("admin:mailboxes_mailbox_add")


def form_data(**overrides):
    return {
        "name": "Invoices",
        "purpose": "incoming",
        "host": "127.0.0.1",
        "port": "",
        "encryption": "ssl",
        "trusted_certificate": "",
        "email_address": "faktury@alpha.example",
        "login": "",
        "auth_method": "password",
        "new_password": "",
        "oauth_grant": "delegated",
        "oauth_client_id": "",
        "new_client_secret": "",
        "oauth_directory_id": "",
    } | overrides


@pytest.fixture
def dovecot_form(dovecot, imap_user, ca_pem):
    return form_data(
        port=str(dovecot.imaps_port),
        login=imap_user.login,
        new_password=imap_user.password,
        trusted_certificate=ca_pem,
    )


def test_an_incoming_mailbox_is_saved_only_after_its_connection_test_passes(
    admin_client, dovecot_form, world_a
):
    response = admin_client.post(ADD_URL, dovecot_form | {"new_password": "wrong"})
    assert response.status_code == 200
    assert "The connection test failed, so the mailbox was not saved: Authentication rejected" in (
        response.content.decode()
    )
    assert not Mailbox.all_tenants.exists()

    response = admin_client.post(ADD_URL, dovecot_form)
    assert response.status_code == 302
    mailbox = Mailbox.all_tenants.get()
    assert mailbox.tenant == world_a.tenant
    assert mailbox.state == Mailbox.State.READY
    assert "INBOX" in {f["name"] for f in mailbox.folders}


def test_the_test_names_an_unreachable_host_in_plain_words(admin_client, dovecot_form):
    response = admin_client.post(ADD_URL, dovecot_form | {"host": "no-such-host.invalid"})
    assert "Host not found" in response.content.decode()


def test_internal_hosts_are_refused_in_the_form(admin_client, dovecot_form, settings):
    settings.MAIL_ALLOWED_NETWORKS = []
    response = admin_client.post(ADD_URL, dovecot_form)
    assert "internal network" in response.content.decode()
    assert not Mailbox.all_tenants.exists()


def test_stored_secrets_are_never_rendered_back(admin_client, make_mailbox):
    mailbox = make_mailbox(
        password="stored-password-123", oauth_client_secret="stored-client-secret-456", oauth_token_cache="{}"
    )
    page = admin_client.get(reverse("admin:mailboxes_mailbox_change", args=[mailbox.pk])).content.decode()
    assert "stored-password-123" not in page
    assert "stored-client-secret-456" not in page
    assert "A value is stored" in page


def test_leaving_the_password_empty_keeps_the_stored_one(admin_client, dovecot, imap_user, make_mailbox):
    mailbox = make_mailbox(port=dovecot.imaps_port, login=imap_user.login, password=imap_user.password)
    data = form_data(
        name="Renamed",
        port=str(dovecot.imaps_port),
        login=imap_user.login,
        trusted_certificate=mailbox.trusted_certificate,
    )
    response = admin_client.post(reverse("admin:mailboxes_mailbox_change", args=[mailbox.pk]), data)
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.password) == ("Renamed", imap_user.password)


def test_oauth_needs_client_id_secret_and_tenant_id_but_no_password(admin_client):
    response = admin_client.post(ADD_URL, form_data(auth_method="ms_oauth", host="outlook.office365.com"))
    errors = response.context["adminform"].form.errors
    assert {"oauth_client_id", "oauth_directory_id", "new_client_secret"} <= set(errors)
    assert "new_password" not in errors


def test_an_oauth_mailbox_is_saved_without_a_connection_test_and_keeps_no_password(admin_client, world_a):
    response = admin_client.post(
        ADD_URL,
        form_data(
            auth_method="ms_oauth",
            host="outlook.office365.com",
            new_password="left-over",
            oauth_client_id="11111111-2222-3333-4444-555555555555",
            new_client_secret="s3cr3t",
            oauth_directory_id="contoso.onmicrosoft.com",
        ),
    )
    assert response.status_code == 302
    mailbox = Mailbox.all_tenants.get()
    assert (mailbox.password, mailbox.oauth_client_secret, mailbox.port) == ("", "s3cr3t", 993)
    assert mailbox.state == Mailbox.State.UNTESTED


def test_outgoing_mailbox_ports_default_by_encryption(world_a):
    for encryption, port in [("ssl", 465), ("starttls", 587), ("auto", 587)]:
        box = Mailbox.all_tenants.create(
            tenant=world_a.tenant,
            name=encryption,
            purpose="outgoing",
            host="smtp.example.com",
            encryption=encryption,
            email_address="x@alpha.example",
        )
        assert box.port == port


def test_test_connection_button_reports_the_outcome(admin_client, dovecot, imap_user, make_mailbox):
    mailbox = make_mailbox(port=dovecot.imaps_port, login=imap_user.login, password=imap_user.password)
    response = admin_client.post(reverse("admin:mailboxes_mailbox_test", args=[mailbox.pk]), follow=True)
    assert any("signed in" in str(m) for m in response.context["messages"])


@pytest.mark.parametrize("button", ["test", "authorize", "send_test"])
def test_another_tenants_administrator_gets_404_on_the_buttons(button, make_mailbox, client_for, world_b):
    mailbox = make_mailbox()
    response = client_for(world_b.admin).post(reverse(f"admin:mailboxes_mailbox_{button}", args=[mailbox.pk]))
    assert response.status_code == 404


def test_no_secret_reaches_the_logs_of_failing_connections(
    caplog, dovecot, imap_user, make_mailbox, smtp_server
):
    secrets = ["very-secret-imap-password", "very-secret-smtp-password"]
    with caplog.at_level(logging.DEBUG):
        check_connection(make_mailbox(port=dovecot.imaps_port, login=imap_user.login, password=secrets[0]))
        check_connection(
            make_mailbox(
                purpose="outgoing",
                port=smtp_server.starttls_port,
                encryption="starttls",
                login="someone",
                password=secrets[1],
            )
        )
        check_connection(make_mailbox(port=dovecot.imaps_port, password=secrets[0], trusted_certificate=""))
    assert caplog.records  # the libraries did log at debug level
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in secrets:
        assert secret not in text
    for mailbox in Mailbox.all_tenants.all():
        assert all(secret not in mailbox.last_error for secret in secrets)
