"""The aiosmtpd submission server speaks real SMTP to smtplib and records what it accepts (no mocks)."""

from __future__ import annotations

import smtplib

import pytest

from tests.servers.certs import TlsMaterial
from tests.servers.dovecot import MailUser
from tests.servers.oauth_authority import OAuthAuthority
from tests.servers.ports import LOOPBACK
from tests.servers.smtp import SmtpServer, SmtpUser

MESSAGE = b"From: intake@contoso.test\r\nTo: archive@contoso.test\r\nSubject: Receipt\r\n\r\nThanks.\r\n"


def _xoauth2(user: str, token: str):
    # smtplib base64-encodes what the callable returns; XOAUTH2 has no further challenge on success.
    return lambda challenge=None: f"user={user}\x01auth=Bearer {token}\x01\x01"


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_starttls_submission_with_password_auth_is_recorded(
    smtp_server: SmtpServer, tls_material: TlsMaterial, smtp_user: SmtpUser, mechanism: str
):
    with smtplib.SMTP(LOOPBACK, smtp_server.starttls_port, timeout=10) as client:
        client.starttls(context=tls_material.client_context())
        client.ehlo()
        client.user, client.password = smtp_user
        client.auth(mechanism, getattr(client, f"auth_{mechanism.lower()}"))
        client.sendmail(smtp_user.login, ["archive@contoso.test"], MESSAGE)

    [message] = smtp_server.wait_for_messages(login=smtp_user.login)
    assert message.mail_from == smtp_user.login
    assert message.rcpt_tos == ("archive@contoso.test",)
    assert message.data == MESSAGE
    assert message.auth_mechanism == mechanism
    assert message.tls is True
    assert message.port == smtp_server.starttls_port


def test_starttls_port_offers_auth_only_after_starttls(smtp_server: SmtpServer, smtp_user: SmtpUser):
    with smtplib.SMTP(LOOPBACK, smtp_server.starttls_port, timeout=10) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        assert not client.has_extn("auth")
        with pytest.raises(smtplib.SMTPNotSupportedError):
            client.login(*smtp_user)


def test_implicit_tls_submission_with_password_is_recorded(
    smtp_server: SmtpServer, tls_material: TlsMaterial, smtp_user: SmtpUser
):
    with smtplib.SMTP_SSL(
        LOOPBACK, smtp_server.implicit_tls_port, context=tls_material.client_context(), timeout=10
    ) as client:
        client.login(*smtp_user)
        client.sendmail(smtp_user.login, ["archive@contoso.test"], MESSAGE)

    [message] = smtp_server.wait_for_messages(login=smtp_user.login)
    assert message.tls is True and message.port == smtp_server.implicit_tls_port


def test_smtp_rejects_wrong_password(smtp_server: SmtpServer, tls_material: TlsMaterial, smtp_user: SmtpUser):
    with (
        smtplib.SMTP_SSL(
            LOOPBACK, smtp_server.implicit_tls_port, context=tls_material.client_context(), timeout=10
        ) as client,
        pytest.raises(smtplib.SMTPAuthenticationError) as excinfo,
    ):
        client.login(smtp_user.login, smtp_user.password + "-wrong")
    assert excinfo.value.smtp_code == 535


def test_smtp_requires_auth_before_mail_from(smtp_server: SmtpServer, tls_material: TlsMaterial):
    with (
        smtplib.SMTP_SSL(
            LOOPBACK, smtp_server.implicit_tls_port, context=tls_material.client_context(), timeout=10
        ) as client,
        pytest.raises(smtplib.SMTPSenderRefused) as excinfo,
    ):
        client.sendmail("anonymous@contoso.test", ["archive@contoso.test"], MESSAGE)
    assert excinfo.value.smtp_code == 530


def test_smtp_accepts_valid_xoauth2_token(
    smtp_server: SmtpServer,
    tls_material: TlsMaterial,
    oauth_authority: OAuthAuthority,
    oauth_mail_user: MailUser,
):
    token = oauth_authority.issue_access_token(username=oauth_mail_user.login)
    with smtplib.SMTP(LOOPBACK, smtp_server.starttls_port, timeout=10) as client:
        client.starttls(context=tls_material.client_context())
        client.ehlo()
        code, _ = client.auth("XOAUTH2", _xoauth2(oauth_mail_user.login, token))
        client.sendmail(oauth_mail_user.login, ["archive@contoso.test"], MESSAGE)

    assert code == 235
    [message] = smtp_server.wait_for_messages(login=oauth_mail_user.login)
    assert message.auth_mechanism == "XOAUTH2"


@pytest.mark.parametrize("token_state", ["garbage", "expired"])
def test_smtp_rejects_invalid_xoauth2_token(
    smtp_server: SmtpServer,
    tls_material: TlsMaterial,
    oauth_authority: OAuthAuthority,
    oauth_mail_user: MailUser,
    token_state: str,
):
    token = "garbage-token"
    if token_state == "expired":
        token = oauth_authority.issue_access_token(username=oauth_mail_user.login)
        oauth_authority.expire_access_token(token)
    with smtplib.SMTP_SSL(
        LOOPBACK, smtp_server.implicit_tls_port, context=tls_material.client_context(), timeout=10
    ) as client:
        client.ehlo()
        with pytest.raises(smtplib.SMTPAuthenticationError) as excinfo:
            client.auth("XOAUTH2", _xoauth2(oauth_mail_user.login, token))
    assert excinfo.value.smtp_code == 535


def test_plain_port_accepts_cleartext_auth(smtp_server: SmtpServer, smtp_user: SmtpUser):
    with smtplib.SMTP(LOOPBACK, smtp_server.plain_port, timeout=10) as client:
        client.ehlo()
        assert not client.has_extn("starttls")
        client.login(*smtp_user)
        client.sendmail(smtp_user.login, ["archive@contoso.test"], MESSAGE)

    [message] = smtp_server.wait_for_messages(login=smtp_user.login)
    assert message.tls is False
