"""An outgoing mailbox on an on-premises relay that takes mail without AUTH: tested, used for
notifications, and never sending a password it still holds."""

import email
from email import policy

import pytest

from mailboxes.connections.checking import check_connection
from mailboxes.connections.credentials import server_settings
from mailboxes.models import Mailbox
from mailboxes.notifications.sending import Outcome, send_notification
from mailboxes.notifications.tenant_settings import choose_notification_mailbox
from tests.builders import queue
from tests.mailboxes.other_server import change_form, change_url, form_errors

ADD_URL = "/admin/mailboxes/mailbox/add/"


@pytest.fixture(autouse=True)
def empty_outbox(smtp_server):
    smtp_server.clear()


@pytest.fixture
def relay_box(make_mailbox, smtp_server):
    def make(**fields):
        values = {
            "purpose": Mailbox.Purpose.OUTGOING,
            "port": smtp_server.relay_port,
            "encryption": Mailbox.Encryption.STARTTLS,
            "email_address": "powiadomienia@alpha.example",
            "auth_method": Mailbox.AuthMethod.NONE,
        } | fields
        return make_mailbox(**values)

    return make


def test_the_connection_test_passes_on_a_relay_and_sends_nothing(relay_box, smtp_server):
    mailbox = relay_box()
    report = check_connection(mailbox)
    assert report.ok, report.message
    assert report.message == (
        "Connected to 127.0.0.1; it accepts mail from powiadomienia@alpha.example without authentication."
    )
    mailbox.refresh_from_db()
    assert mailbox.state == Mailbox.State.READY
    assert smtp_server.messages == []


def test_a_notification_goes_out_through_the_relay(relay_box, smtp_server, world_a, settings):
    settings.PORTAL_BASE_URL = "https://portal.example.com"
    mailbox = relay_box(encryption=Mailbox.Encryption.NONE)
    choose_notification_mailbox(tenant=world_a.tenant, mailbox=mailbox)
    notification = queue(world_a)
    assert send_notification(notification.pk) == Outcome.SENT
    [received] = smtp_server.wait_for_messages(1, rcpt=world_a.operator.email)
    assert (received.mail_from, received.login, received.port) == (
        "powiadomienia@alpha.example",
        None,
        smtp_server.relay_port,
    )
    message = email.message_from_bytes(received.data, policy=policy.default)
    assert "Faktura 7/2026" in message.get_body(("plain",)).get_content()


def test_login_and_password_on_a_relay_without_auth_says_what_to_choose(relay_box):
    report = check_connection(relay_box(auth_method=Mailbox.AuthMethod.PASSWORD, password="unused"))
    assert report.kind == "authentication_unavailable"
    assert report.message == (
        "The server offers no authentication. If it relays mail without it, choose the authentication "
        "method 'no authentication'. (127.0.0.1)"
    )


def test_a_server_that_wants_auth_refuses_the_sender_in_the_test(relay_box, smtp_server):
    report = check_connection(relay_box(port=smtp_server.starttls_port))
    assert report.kind == "relay_refused"
    assert report.message == (
        "The server does not accept mail from this address without authentication. "
        "(530 5.7.0 Authentication required)"
    )


def test_a_stored_password_is_never_sent_once_the_mailbox_uses_no_authentication(
    relay_box, smtp_server, smtp_user
):
    """The row still holds a valid password (set behind the form's back); the server offers AUTH in
    clear text and would accept it: nothing is sent, and the settings handed out carry no secret."""
    mailbox = relay_box(
        port=smtp_server.plain_port,
        encryption=Mailbox.Encryption.NONE,
        login=smtp_user.login,
        password=smtp_user.password,
    )
    assert mailbox.password == smtp_user.password
    server = server_settings(mailbox)
    assert (server.password, server.access_token, server.secrets, server.authenticate) == ("", "", (), False)
    assert check_connection(mailbox).kind == "relay_refused"  # that server wants AUTH for MAIL
    assert smtp_user.login not in smtp_server.auth_attempts


def test_switching_to_no_authentication_in_the_form_drops_the_stored_password(
    admin_client, make_mailbox, smtp_server, smtp_user
):
    mailbox = make_mailbox(
        purpose=Mailbox.Purpose.OUTGOING,
        port=smtp_server.relay_port,
        encryption=Mailbox.Encryption.STARTTLS,
        login=smtp_user.login,
        password=smtp_user.password,
    )
    response = admin_client.post(change_url(mailbox), change_form(mailbox, auth_method="none"))
    assert response.status_code == 302, form_errors(response)
    stored = Mailbox.all_tenants.get(pk=mailbox.pk)
    assert (stored.auth_method, stored.password, stored.password_bound_to) == ("none", "", "")
    assert check_connection(stored).ok


def test_an_outgoing_mailbox_without_authentication_needs_no_password_in_the_form(
    admin_client, smtp_server, ca_pem
):
    data = change_form(
        Mailbox(
            name="Relay",
            purpose=Mailbox.Purpose.OUTGOING,
            host="127.0.0.1",
            port=smtp_server.relay_port,
            encryption=Mailbox.Encryption.STARTTLS,
            email_address="powiadomienia@alpha.example",
            auth_method=Mailbox.AuthMethod.NONE,
            trusted_certificate=ca_pem,
        )
    )
    response = admin_client.post(ADD_URL, data)
    assert response.status_code == 302, form_errors(response)
    created = Mailbox.all_tenants.get(name="Relay")
    assert (created.auth_method, created.password) == ("none", "")


def test_an_incoming_mailbox_cannot_use_no_authentication(admin_client, imap_box_values):
    response = admin_client.post(ADD_URL, imap_box_values | {"auth_method": "none"})
    assert response.status_code == 200
    assert form_errors(response)["auth_method"] == [
        "An incoming mailbox needs authentication: choose login and password or Microsoft OAuth 2.0."
    ]
    assert not Mailbox.all_tenants.exists()


def test_an_incoming_mailbox_set_to_no_authentication_behind_the_forms_back_sends_nothing(
    make_mailbox, dovecot, imap_user
):
    mailbox = make_mailbox(
        port=dovecot.imaps_port, login=imap_user.login, auth_method=Mailbox.AuthMethod.NONE
    )
    report = check_connection(mailbox)
    assert report.message == (
        "An incoming mailbox needs authentication: choose login and password or Microsoft OAuth 2.0."
    )
    assert not dovecot.logins(imap_user.login)


@pytest.fixture
def imap_box_values(dovecot, imap_user, ca_pem):
    return change_form(
        Mailbox(
            name="Invoices",
            host="127.0.0.1",
            port=dovecot.imaps_port,
            encryption=Mailbox.Encryption.SSL_TLS,
            email_address="faktury@alpha.example",
            login=imap_user.login,
            trusted_certificate=ca_pem,
        )
    )
