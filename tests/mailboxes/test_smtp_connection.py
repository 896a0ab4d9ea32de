"""The SMTP connection test and test message against a real aiosmtpd server."""

import email
from email import policy

import pytest

from mailboxes.connections.checking import check_connection
from mailboxes.connections.outgoing import send_test_message
from mailboxes.models import Mailbox


@pytest.fixture
def smtp_box(make_mailbox, smtp_server, smtp_user):
    def make(**fields):
        values = {
            "purpose": Mailbox.Purpose.OUTGOING,
            "port": smtp_server.starttls_port,
            "encryption": Mailbox.Encryption.STARTTLS,
            "login": smtp_user.login,
            "password": smtp_user.password,
        } | fields
        return make_mailbox(**values)

    return make


@pytest.fixture(autouse=True)
def empty_outbox(smtp_server):
    smtp_server.clear()


def test_starttls_login_succeeds_and_sends_nothing(smtp_box, smtp_server):
    mailbox = smtp_box()
    report = check_connection(mailbox)
    assert report.ok, report.message
    mailbox.refresh_from_db()
    assert mailbox.state == Mailbox.State.READY
    assert smtp_server.messages == []


def test_implicit_tls_login_succeeds(smtp_box, smtp_server):
    report = check_connection(
        smtp_box(port=smtp_server.implicit_tls_port, encryption=Mailbox.Encryption.SSL_TLS)
    )
    assert report.ok, report.message


def test_automatic_uses_starttls_on_the_submission_port(smtp_box, smtp_server):
    report = check_connection(smtp_box(encryption=Mailbox.Encryption.AUTOMATIC))
    assert report.ok, report.message


def test_automatic_refuses_a_server_without_encryption(smtp_box, smtp_server):
    report = check_connection(smtp_box(port=smtp_server.plain_port, encryption=Mailbox.Encryption.AUTOMATIC))
    assert report.kind == "encryption_unavailable"


def test_wrong_password_is_rejected(smtp_box):
    report = check_connection(smtp_box(password="wrong"))
    assert report.kind == "authentication_rejected"
    assert "wrong" not in report.message


def test_untrusted_certificate_is_a_tls_failure(smtp_box, smtp_server):
    report = check_connection(
        smtp_box(
            port=smtp_server.implicit_tls_port, encryption=Mailbox.Encryption.SSL_TLS, trusted_certificate=""
        )
    )
    assert report.kind == "tls_failure"


@pytest.mark.parametrize("automat", [True, False])
def test_test_message_reaches_the_administrator_with_the_automat_footer_only_when_set(
    smtp_box, smtp_server, smtp_user, automat
):
    send_test_message(smtp_box(automat=automat), to="admin@alpha.example")
    [received] = smtp_server.wait_for_messages(1)
    assert received.rcpt_tos == ("admin@alpha.example",)
    assert received.login == smtp_user.login and received.tls
    message = email.message_from_bytes(received.data, policy=policy.default)
    body = message.get_body(("plain",)).get_content()
    assert "test message from the intake portal" in body
    assert ("sent automatically by the intake portal" in body) is automat


def test_encryption_none_chosen_explicitly_logs_in_without_tls(smtp_box, smtp_server, smtp_user):
    send_test_message(
        smtp_box(port=smtp_server.plain_port, encryption=Mailbox.Encryption.NONE), to="a@alpha.example"
    )
    [received] = smtp_server.wait_for_messages(1)
    assert received.login == smtp_user.login and not received.tls
