"""What an administrator reads when a connection test fails: the fix, in words, never a library's repr.

Real servers: Dovecot and aiosmtpd on their implicit-TLS and clear-text ports, with the wrong encryption
chosen, and a wrong password.
"""

import time

import pytest
from django.utils import translation

from intake.reasons import in_english
from mailboxes.connections.checking import check_connection, success_message
from mailboxes.models import Mailbox
from mailboxes.protocols import tls
from mailboxes.protocols.errors import ImplicitTlsExpected, ImplicitTlsNotSpoken, server_words
from mailboxes.protocols.settings import ServerSettings
from mailboxes.templatetags.stored_mail import in_reader_language
from tests.servers.faulty_link import FaultyLink

EXPECTS_TLS = "This port expects TLS at once: choose the encryption SSL/TLS."
SPEAKS_NO_TLS = "This port does not speak TLS at once: choose the encryption STARTTLS or None."


@pytest.fixture
def imap_box(make_mailbox, imap_user):
    def make(**fields):
        return make_mailbox(**{"login": imap_user.login, "password": imap_user.password} | fields)

    return make


@pytest.fixture
def smtp_box(make_mailbox, smtp_user):
    def make(**fields):
        values = {
            "purpose": Mailbox.Purpose.OUTGOING,
            "login": smtp_user.login,
            "password": smtp_user.password,
        }
        return make_mailbox(**values | fields)

    return make


def test_starttls_on_the_imaps_port_says_choose_ssl_tls(imap_box, dovecot):
    mailbox = imap_box(port=dovecot.imaps_port, encryption=Mailbox.Encryption.STARTTLS)
    report = check_connection(mailbox)
    assert report.kind == "implicit_tls_expected"
    assert report.message == f"{EXPECTS_TLS} (127.0.0.1:{dovecot.imaps_port})"
    mailbox.refresh_from_db()
    assert in_english(mailbox.last_error) == report.message


def test_encryption_none_on_the_imaps_port_says_choose_ssl_tls_too(imap_box, dovecot):
    report = check_connection(imap_box(port=dovecot.imaps_port, encryption=Mailbox.Encryption.NONE))
    assert report.message == f"{EXPECTS_TLS} (127.0.0.1:{dovecot.imaps_port})"


def test_ssl_tls_on_the_plain_imap_port_says_choose_starttls(imap_box, dovecot):
    report = check_connection(imap_box(port=dovecot.imap_port, encryption=Mailbox.Encryption.SSL_TLS))
    assert report.kind == "implicit_tls_not_spoken"
    assert report.message == f"{SPEAKS_NO_TLS} (127.0.0.1:{dovecot.imap_port})"
    assert "WRONG_VERSION_NUMBER" not in report.message


def test_starttls_on_the_smtps_port_says_choose_ssl_tls(smtp_box, smtp_server):
    report = check_connection(smtp_box(port=smtp_server.implicit_tls_port, encryption="starttls"))
    assert report.message == f"{EXPECTS_TLS} (127.0.0.1:{smtp_server.implicit_tls_port})"


def test_ssl_tls_on_the_submission_port_says_choose_starttls(smtp_box, smtp_server):
    report = check_connection(smtp_box(port=smtp_server.starttls_port, encryption="ssl"))
    assert report.message == f"{SPEAKS_NO_TLS} (127.0.0.1:{smtp_server.starttls_port})"


class _LateGreeting(FaultyLink):
    """Holds back the server's first words on each connection for a while, as a busy server greets."""

    def _forward(self, data: bytes, sent: int, source, sink) -> int:
        if sent == 0:
            time.sleep(tls.GREETING_PATIENCE_SECONDS * 1.5)
        return super()._forward(data, sent, source, sink)


def test_a_server_slow_to_greet_in_clear_text_is_waited_for_without_a_false_hint(make_mailbox, smtp_server):
    with _LateGreeting(smtp_server.relay_port) as link:
        mailbox = make_mailbox(
            purpose=Mailbox.Purpose.OUTGOING,
            port=link.port,
            encryption=Mailbox.Encryption.NONE,
            auth_method=Mailbox.AuthMethod.NONE,
        )
        report = check_connection(mailbox)
        assert report.ok, report.message
        assert link.connections == 2  # the session, and the question "do you speak TLS?" it answered "220"


def test_a_wrong_imap_password_shows_the_servers_words_not_a_bytes_repr(imap_box, dovecot):
    report = check_connection(imap_box(port=dovecot.imaps_port, password="not-the-password"))
    assert report.kind == "authentication_rejected"
    assert report.message == (
        "Authentication rejected: the server refused the login or password. "
        "([AUTHENTICATIONFAILED] Authentication failed.)"
    )


def test_a_wrong_smtp_password_shows_the_servers_words(smtp_box, smtp_server):
    report = check_connection(
        smtp_box(port=smtp_server.starttls_port, encryption="starttls", password="not-the-password")
    )
    assert report.message == (
        "Authentication rejected: the server refused the login or password. "
        "(5.7.8 Authentication credentials invalid)"
    )


def test_the_folder_count_agrees_with_its_number(imap_box, dovecot):
    mailbox = imap_box(port=dovecot.imaps_port)
    report = check_connection(mailbox)
    assert report.message == "Connected to 127.0.0.1 and signed in; 2 folders found."  # INBOX, Sent
    assert success_message(mailbox, report.folders[:1]).endswith("; 1 folder found.")


def test_a_timeout_on_a_well_known_tls_port_with_clear_text_chosen_hints_at_ssl_tls():
    chosen = ServerSettings(host="imap.example.com", port=993, encryption=tls.STARTTLS, username="u")
    error = tls.transport_error(TimeoutError(), chosen)
    assert error.kind == "timed_out"
    assert str(error).endswith("choose the encryption SSL/TLS. (imap.example.com:993)")
    on_143 = tls.transport_error(TimeoutError(), ServerSettings("imap.example.com", 143, tls.STARTTLS, "u"))
    assert str(on_143) == "Timed out: the server did not answer in time. (imap.example.com:143)"


def test_byte_reprs_in_server_words_become_text():
    assert server_words("b'[AUTHENTICATIONFAILED] Authentication failed.'") == (
        "[AUTHENTICATIONFAILED] Authentication failed."
    )
    assert server_words(str(b"Zu viele Verbindungen \xc5\xbc")) == "Zu viele Verbindungen ż"
    assert server_words(b"NO [ALERT] quota") == "NO [ALERT] quota"


@pytest.mark.parametrize("error", [ImplicitTlsExpected, ImplicitTlsNotSpoken])
def test_the_new_reasons_keep_their_fixed_text_apart_from_the_details(error):
    """Stored as "<fixed text> (<details>)": the reader's language replaces the fixed part (a catalogue
    entry), the host and port stay as they are."""
    with translation.override("en"):
        stored = str(error(detail="imap.example.com:993"))
    fixed = str(error.default_message)
    assert stored == f"{fixed} (imap.example.com:993)"
    with translation.override("pl"):
        assert in_reader_language(stored).endswith(" (imap.example.com:993)")
