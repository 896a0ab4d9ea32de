"""pytest fixtures for the local test servers (loaded via ``pytest_plugins`` in tests/conftest.py).

Servers are session-scoped (started on first use, stopped at session end even when tests fail); the
function-scoped helpers hand every test its own users/apps so tests stay independent of each other.
Nothing here touches the database or imports Django models.
"""

from __future__ import annotations

import atexit
import shutil
from collections.abc import Callable, Iterator

import pytest

from tests.servers.certs import TlsMaterial, generate_tls_material
from tests.servers.dovecot import DovecotServer, MailUser
from tests.servers.oauth_authority import OAuthAuthority, OAuthClient
from tests.servers.redis import RedisServer
from tests.servers.smtp import SmtpServer, SmtpUser

# Authorities started in this session, so the autouse fixture below can undo per-test behaviour switches.
_authorities: list[OAuthAuthority] = []


@pytest.fixture(scope="session")
def tls_material() -> Iterator[TlsMaterial]:
    """ca.pem, a CA-signed server cert/key (127.0.0.1, ::1, localhost) and an untrusted self-signed one."""
    material = generate_tls_material()
    try:
        yield material
    finally:
        shutil.rmtree(material.directory, ignore_errors=True)


@pytest.fixture(scope="session")
def oauth_authority(tls_material: TlsMaterial) -> Iterator[OAuthAuthority]:
    """Local Microsoft-identity-platform imitation over HTTPS; see OAuthAuthority.msal_kwargs()."""
    authority = OAuthAuthority(tls_material).start()
    atexit.register(authority.stop)  # belt and braces should the session die before teardown
    _authorities.append(authority)
    try:
        yield authority
    finally:
        _authorities.remove(authority)
        authority.stop()


@pytest.fixture(autouse=True)
def _reset_oauth_behaviour() -> Iterator[None]:
    """refuse_authorization()/set_token_lifetime() made by one test must not leak into the next."""
    yield
    for authority in _authorities:
        authority.reset_behaviour()


def _started_dovecot(tls: TlsMaterial | None, authority: OAuthAuthority) -> DovecotServer:
    server = DovecotServer(tls, authority=authority)
    atexit.register(server.close)
    try:
        return server.start()
    except Exception:
        server.close()
        raise


@pytest.fixture(scope="session")
def dovecot(tls_material: TlsMaterial, oauth_authority: OAuthAuthority) -> Iterator[DovecotServer]:
    """Dovecot with implicit TLS (``imaps_port``) and STARTTLS (``imap_port``), oauth2 passdb -> authority."""
    server = _started_dovecot(tls_material, oauth_authority)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def dovecot_plain(oauth_authority: OAuthAuthority) -> Iterator[DovecotServer]:
    """Dovecot without any TLS (``imap_port`` only, no STARTTLS, cleartext LOGIN accepted)."""
    server = _started_dovecot(None, oauth_authority)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def make_dovecot(
    tls_material: TlsMaterial, oauth_authority: OAuthAuthority
) -> Iterator[Callable[..., DovecotServer]]:
    """Factory for a private, running Dovecot (closed after the test): for tests that stop()/start() it.

    ``make_dovecot()`` -> TLS + STARTTLS; ``make_dovecot(tls=False)`` -> no TLS.
    """
    servers: list[DovecotServer] = []

    def make(*, tls: bool = True) -> DovecotServer:
        server = _started_dovecot(tls_material if tls else None, oauth_authority)
        servers.append(server)
        return server

    try:
        yield make
    finally:
        for server in servers:
            server.close()


@pytest.fixture(scope="session")
def smtp_server(tls_material: TlsMaterial, oauth_authority: OAuthAuthority) -> Iterator[SmtpServer]:
    """aiosmtpd submission server: ``starttls_port``, ``implicit_tls_port``, ``plain_port``."""
    server = SmtpServer(tls_material, authority=oauth_authority)
    atexit.register(server.stop)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A private, running Redis (closed after the test, resumed first if stalled): for tests that
    stop(), stall(), resume() or start() it."""
    server = RedisServer()
    atexit.register(server.close)
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def imap_user(dovecot: DovecotServer) -> MailUser:
    """A fresh mailbox (login, password) on ``dovecot``; INBOX and Sent exist."""
    return dovecot.add_user()


@pytest.fixture
def plain_imap_user(dovecot_plain: DovecotServer) -> MailUser:
    """A fresh mailbox (login, password) on ``dovecot_plain``."""
    return dovecot_plain.add_user()


@pytest.fixture
def oauth_client(oauth_authority: OAuthAuthority) -> OAuthClient:
    """A fresh app registration (client_id, client_secret); any redirect URI is accepted."""
    return oauth_authority.register_client()


@pytest.fixture
def oauth_mail_user(dovecot: DovecotServer, oauth_authority: OAuthAuthority) -> MailUser:
    """A mailbox on ``dovecot`` whose owner is also a user of the authority (signed in for authorize).

    XOAUTH2/OAUTHBEARER work on ``dovecot`` and ``smtp_server`` with its tokens; the password works too.
    """
    user = dovecot.add_user()
    oauth_authority.add_user(user.login)
    return user


@pytest.fixture
def smtp_user(smtp_server: SmtpServer) -> SmtpUser:
    """Fresh SMTP AUTH credentials (login, password) on ``smtp_server``."""
    return smtp_server.add_user()


@pytest.fixture
def requests_trust_test_ca(tls_material: TlsMaterial, monkeypatch: pytest.MonkeyPatch) -> str:
    """Make every ``requests`` session (e.g. the one inside MSAL) trust the test CA; returns ca.pem's path.

    Needed when REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE is set in the environment: requests then ignores a
    Session-level ``verify`` (psf/requests#3829, #4650), which is exactly where MSAL puts its ``verify=``.
    """
    ca = str(tls_material.ca_cert)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca)
    monkeypatch.setenv("CURL_CA_BUNDLE", ca)
    return ca
