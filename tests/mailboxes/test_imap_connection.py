"""The IMAP connection test against a real Dovecot, in every encryption mode and failure."""

import socket

import pytest

from intake.reasons import in_english
from mailboxes.connections.checking import check_connection
from mailboxes.models import Mailbox
from tests.servers.ports import free_port


@pytest.fixture
def imap_box(make_mailbox, dovecot, imap_user):
    def make(**fields):
        values = {
            "port": dovecot.imaps_port,
            "login": imap_user.login,
            "password": imap_user.password,
        } | fields
        return make_mailbox(**values)

    return make


def test_implicit_tls_with_the_trusted_certificate_connects_and_lists_folders(imap_box, dovecot, imap_user):
    mailbox = imap_box()
    report = check_connection(mailbox)
    assert report.ok, report.message
    mailbox.refresh_from_db()
    assert mailbox.state == Mailbox.State.READY and mailbox.last_error == ""
    assert {"INBOX", "Sent"} <= {f["name"] for f in mailbox.folders}
    assert dovecot.logins(imap_user.login)[-1].tls


def test_starttls_upgrades_before_logging_in(imap_box, dovecot, imap_user):
    report = check_connection(imap_box(port=dovecot.imap_port, encryption=Mailbox.Encryption.STARTTLS))
    assert report.ok, report.message
    assert dovecot.logins(imap_user.login)[-1].tls


def test_automatic_uses_starttls_on_a_non_tls_port(imap_box, dovecot, imap_user):
    report = check_connection(imap_box(port=dovecot.imap_port, encryption=Mailbox.Encryption.AUTOMATIC))
    assert report.ok, report.message
    assert dovecot.logins(imap_user.login)[-1].tls


def test_automatic_refuses_to_send_the_password_in_clear_text(imap_box, dovecot_plain, plain_imap_user):
    mailbox = imap_box(
        port=dovecot_plain.imap_port,
        encryption=Mailbox.Encryption.AUTOMATIC,
        login=plain_imap_user.login,
        password=plain_imap_user.password,
    )
    report = check_connection(mailbox)
    assert not report.ok
    assert report.kind == "encryption_unavailable"
    assert dovecot_plain.logins(plain_imap_user.login) == []  # the server never saw a login


def test_starttls_mode_fails_when_the_server_offers_no_starttls(imap_box, dovecot_plain, plain_imap_user):
    mailbox = imap_box(
        port=dovecot_plain.imap_port,
        encryption=Mailbox.Encryption.STARTTLS,
        login=plain_imap_user.login,
        password=plain_imap_user.password,
    )
    assert check_connection(mailbox).kind == "encryption_unavailable"
    assert dovecot_plain.logins(plain_imap_user.login) == []


def test_encryption_none_chosen_explicitly_logs_in_without_tls(imap_box, dovecot_plain, plain_imap_user):
    mailbox = imap_box(
        port=dovecot_plain.imap_port,
        encryption=Mailbox.Encryption.NONE,
        login=plain_imap_user.login,
        password=plain_imap_user.password,
    )
    report = check_connection(mailbox)
    assert report.ok, report.message
    assert not dovecot_plain.logins(plain_imap_user.login)[-1].tls


def test_wrong_password_is_reported_as_authentication_rejected(imap_box):
    mailbox = imap_box(password="not-the-password")
    report = check_connection(mailbox)
    assert report.kind == "authentication_rejected"
    assert report.message.startswith("Authentication rejected")
    mailbox.refresh_from_db()
    assert mailbox.state == Mailbox.State.FAILING
    assert "Authentication rejected" in in_english(mailbox.last_error)
    assert "not-the-password" not in mailbox.last_error


def test_unknown_host_is_reported_as_host_not_found(imap_box):
    report = check_connection(imap_box(host="no-such-host.invalid"))
    assert report.kind == "host_not_found"
    assert "Host not found" in report.message


def test_closed_port_is_reported_as_connection_refused(imap_box):
    assert check_connection(imap_box(port=free_port())).kind == "connection_refused"


def test_untrusted_certificate_is_a_tls_failure(imap_box):
    report = check_connection(imap_box(trusted_certificate=""))
    assert report.kind == "tls_failure"
    assert "certificate" in report.message


def test_a_server_that_never_greets_times_out(imap_box, settings):
    settings.MAIL_TIMEOUT_SECONDS = 0.5
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the TCP handshake, never says a word
    try:
        report = check_connection(imap_box(port=silent.getsockname()[1], encryption=Mailbox.Encryption.NONE))
    finally:
        silent.close()
    assert report.kind == "timed_out"


def test_folder_names_are_decoded_and_keep_their_hierarchy(imap_box, dovecot, imap_user):
    dovecot.create_folder(imap_user.login, "Faktury")
    dovecot.create_folder(imap_user.login, "Faktury/Zażółć gęślą")
    report = check_connection(imap_box())
    folders = {f["name"]: f for f in report.folders}
    assert "Faktury/Zażółć gęślą" in folders
    assert folders["Faktury/Zażółć gęślą"]["depth"] == 1
    assert folders["Faktury/Zażółć gęślą"]["delimiter"] == "/"


def test_internal_hosts_are_refused_unless_allowed(imap_box, settings):
    settings.MAIL_ALLOWED_NETWORKS = []
    assert check_connection(imap_box()).kind == "host_not_allowed"
