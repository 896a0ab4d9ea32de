"""A password with Polish letters: LOGIN carries ASCII only; the mailbox says so instead of crashing."""

import pytest

from mailboxes.protocols import imap, smtp
from mailboxes.protocols.errors import AuthenticationRejected
from mailboxes.protocols.settings import ServerSettings

PASSWORD = "zażółć-gęślą"


def test_imap_login_with_polish_letters_is_an_authentication_problem(dovecot, imap_user, ca_pem):
    server = ServerSettings(
        "127.0.0.1", dovecot.imaps_port, "ssl", imap_user.login, PASSWORD, trusted_ca_pem=ca_pem
    )
    with (
        pytest.raises(AuthenticationRejected) as caught,
        imap.translated_errors(server),
        imap.session(server),
    ):
        pass
    assert "Polish" in str(caught.value) and PASSWORD not in str(caught.value)


def test_smtp_login_with_polish_letters_is_an_authentication_problem(smtp_server, ca_pem):
    user = smtp_server.add_user()
    server = ServerSettings(
        "127.0.0.1", smtp_server.starttls_port, "starttls", user.login, PASSWORD, trusted_ca_pem=ca_pem
    )
    with (
        pytest.raises(AuthenticationRejected) as caught,
        smtp.translated_errors(server),
        smtp.session(server),
    ):
        pass
    assert "Polish" in str(caught.value) and PASSWORD not in str(caught.value)
