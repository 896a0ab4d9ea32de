"""The throw-away Dovecot behaves like a real IMAP server towards imapclient (no mocks)."""

from __future__ import annotations

import socket
import ssl

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from tests.servers.certs import TlsMaterial
from tests.servers.dovecot import FOLDER_SEPARATOR, DovecotServer, MailUser
from tests.servers.oauth_authority import OAuthAuthority
from tests.servers.ports import LOOPBACK, free_port

MESSAGE = (
    b"From: Supplier <billing@supplier.example>\r\n"
    b"To: intake@contoso.test\r\n"
    b"Subject: Invoice 42\r\n"
    b"Message-ID: <invoice-42@supplier.example>\r\n"
    b"\r\n"
    b"Please find the invoice attached.\r\n"
)


def _imaps(server: DovecotServer, tls: TlsMaterial) -> IMAPClient:
    return IMAPClient(
        LOOPBACK, port=server.imaps_port, ssl=True, ssl_context=tls.client_context(), timeout=10
    )


def test_login_over_implicit_tls_with_verified_certificate(
    dovecot: DovecotServer, tls_material: TlsMaterial, imap_user: MailUser
):
    login, password = imap_user
    client = _imaps(dovecot, tls_material)

    assert client.login(login, password) == b"Logged in"
    assert {b"INBOX", b"Sent"} <= {name.encode() for _, _, name in client.list_folders()}
    client.logout()
    assert dovecot.logins(login)[-1].tls is True


def test_login_after_starttls_with_verified_certificate(
    dovecot: DovecotServer, tls_material: TlsMaterial, imap_user: MailUser
):
    client = IMAPClient(LOOPBACK, port=dovecot.imap_port, ssl=False, timeout=10)
    assert b"STARTTLS" in client.capabilities()

    client.starttls(tls_material.client_context())
    client.login(*imap_user)
    client.logout()

    [record] = dovecot.logins(imap_user.login)
    assert record.tls is True and record.method == "PLAIN"


def test_dovecot_certificate_is_rejected_without_the_test_ca(dovecot: DovecotServer):
    with pytest.raises(ssl.SSLCertVerificationError):
        IMAPClient(LOOPBACK, port=dovecot.imaps_port, ssl=True, ssl_context=ssl.create_default_context())


def test_dovecot_rejects_wrong_password(
    dovecot: DovecotServer, tls_material: TlsMaterial, imap_user: MailUser
):
    client = _imaps(dovecot, tls_material)

    with pytest.raises(LoginError, match="AUTHENTICATIONFAILED"):
        client.login(imap_user.login, imap_user.password + "-wrong")


def test_appended_message_can_be_fetched(
    dovecot: DovecotServer, tls_material: TlsMaterial, imap_user: MailUser
):
    uid = dovecot.append(imap_user.login, "INBOX", MESSAGE)

    client = _imaps(dovecot, tls_material)
    client.login(*imap_user)
    client.select_folder("INBOX")
    fetched = client.fetch([uid], ["BODY.PEEK[]", "FLAGS"])
    client.logout()

    assert fetched[uid][b"BODY[]"] == MESSAGE
    assert dovecot.fetch_messages(imap_user.login) == {uid: MESSAGE}


def test_non_ascii_folders_can_be_created_and_listed(
    dovecot: DovecotServer, tls_material: TlsMaterial, imap_user: MailUser
):
    dovecot.create_folder(imap_user.login, f"Rechnungen{FOLDER_SEPARATOR}Überfällig")
    client = _imaps(dovecot, tls_material)
    client.login(*imap_user)
    client.create_folder("Входящие.2024")  # a dot is an ordinary character with separator "/"
    folders = {name: delimiter for _, delimiter, name in client.list_folders()}
    uid_in_nested = client.append("Rechnungen/Überfällig", MESSAGE)
    client.logout()

    assert {"INBOX", "Sent", "Rechnungen", "Rechnungen/Überfällig", "Входящие.2024"} <= set(folders)
    assert folders["INBOX"] == FOLDER_SEPARATOR.encode()
    assert uid_in_nested
    assert dovecot.fetch_messages(imap_user.login, "Rechnungen/Überfällig") != {}


def test_plain_dovecot_offers_no_starttls_and_accepts_cleartext_login(
    dovecot_plain: DovecotServer, plain_imap_user: MailUser
):
    client = IMAPClient(LOOPBACK, port=dovecot_plain.imap_port, ssl=False, timeout=10)

    capabilities = client.capabilities()
    client.login(*plain_imap_user)
    client.logout()

    assert b"STARTTLS" not in capabilities
    assert b"LOGINDISABLED" not in capabilities
    assert dovecot_plain.imaps_port is None
    assert dovecot_plain.logins(plain_imap_user.login)[-1].tls is False


def test_free_port_refuses_connections():
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((LOOPBACK, free_port()), timeout=2)


def test_stopped_dovecot_refuses_connections_and_restarts_with_mail_kept(
    make_dovecot, tls_material: TlsMaterial
):
    server = make_dovecot()
    user = server.add_user()
    uid = server.append(user.login, "INBOX", MESSAGE)
    client = _imaps(server, tls_material)
    client.login(*user)
    client.select_folder("INBOX")

    server.stop()

    with pytest.raises((OSError, IMAPClient.AbortError)):
        client.noop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((LOOPBACK, server.imaps_port), timeout=2)
    server.start()
    assert server.fetch_messages(user.login) == {uid: MESSAGE}


# --------------------------------------------------------------------------- OAuth2 (XOAUTH2 / OAUTHBEARER)


def test_dovecot_accepts_valid_bearer_token_via_xoauth2(
    dovecot: DovecotServer,
    tls_material: TlsMaterial,
    oauth_authority: OAuthAuthority,
    oauth_mail_user: MailUser,
):
    token = oauth_authority.issue_access_token(username=oauth_mail_user.login)
    client = _imaps(dovecot, tls_material)

    client.oauth2_login(oauth_mail_user.login, token)
    assert client.select_folder("INBOX")[b"EXISTS"] == 0
    client.logout()
    assert dovecot.logins(oauth_mail_user.login)[-1].method == "XOAUTH2"
    assert token in oauth_authority.introspection_requests


def test_dovecot_accepts_valid_bearer_token_via_oauthbearer(
    dovecot: DovecotServer,
    tls_material: TlsMaterial,
    oauth_authority: OAuthAuthority,
    oauth_mail_user: MailUser,
):
    token = oauth_authority.issue_access_token(username=oauth_mail_user.login)
    client = _imaps(dovecot, tls_material)

    client.oauthbearer_login(oauth_mail_user.login, token)
    client.logout()
    assert dovecot.logins(oauth_mail_user.login)[-1].method == "OAUTHBEARER"


def test_dovecot_rejects_garbage_bearer_token(
    dovecot: DovecotServer, tls_material: TlsMaterial, oauth_mail_user: MailUser
):
    client = _imaps(dovecot, tls_material)

    with pytest.raises(LoginError, match="AUTHENTICATIONFAILED"):
        client.oauth2_login(oauth_mail_user.login, "garbage-token")


def test_dovecot_rejects_expired_bearer_token(
    dovecot: DovecotServer,
    tls_material: TlsMaterial,
    oauth_authority: OAuthAuthority,
    oauth_mail_user: MailUser,
):
    token = oauth_authority.issue_access_token(username=oauth_mail_user.login)
    oauth_authority.expire_access_token(token)
    client = _imaps(dovecot, tls_material)

    with pytest.raises(LoginError, match="AUTHENTICATIONFAILED"):
        client.oauth2_login(oauth_mail_user.login, token)


def test_dovecot_rejects_bearer_token_of_another_user(
    dovecot: DovecotServer,
    tls_material: TlsMaterial,
    oauth_authority: OAuthAuthority,
    oauth_mail_user: MailUser,
):
    other = dovecot.add_user()
    oauth_authority.add_user(other.login)
    token = oauth_authority.issue_access_token(username=other.login)
    client = _imaps(dovecot, tls_material)

    with pytest.raises(LoginError, match="AUTHENTICATIONFAILED"):
        client.oauth2_login(oauth_mail_user.login, token)


def test_app_only_token_opens_exactly_the_mailbox_granted_to_the_app(
    dovecot: DovecotServer, tls_material: TlsMaterial, oauth_authority: OAuthAuthority, imap_user: MailUser
):
    app = oauth_authority.register_client(app_mailbox=imap_user.login)
    token = oauth_authority.issue_access_token(client_id=app.client_id)
    other = dovecot.add_user()

    granted = _imaps(dovecot, tls_material)
    granted.oauth2_login(imap_user.login, token)
    granted.logout()
    with pytest.raises(LoginError):
        _imaps(dovecot, tls_material).oauth2_login(other.login, token)
