"""A real SMTP submission server for tests (aiosmtpd), recording what it accepts.

Three listeners on 127.0.0.1, one aiosmtpd ``Controller`` (thread + event loop) each:

* ``starttls_port``: plain connect, STARTTLS offered and *required* before anything but EHLO/NOOP/QUIT
  (``require_starttls=True``); AUTH is only advertised/accepted after STARTTLS (``auth_require_tls``).
* ``implicit_tls_port``: TLS from the first byte (Controller ``ssl_context``). aiosmtpd 1.4.6 does not
  notice that such a connection is encrypted (aio-libs/aiosmtpd#281, #274), so ``auth_require_tls`` must be
  off there or it would refuse AUTH with "538 Encryption required".
* ``plain_port``: no TLS at all and AUTH allowed in clear text: for tests proving the portal refuses to
  send credentials unencrypted (the server itself would happily accept them).
* ``relay_port``: an on-premises relay: STARTTLS offered (not required), no AUTH advertised, mail from
  anyone accepted without authentication.

AUTH PLAIN and LOGIN check the configured users; AUTH XOAUTH2 (a handler ``auth_XOAUTH2`` method, which
aiosmtpd picks up as an extra mechanism) checks the bearer token in-process against the
:class:`~tests.servers.oauth_authority.OAuthAuthority`, like Exchange Online: the token must be active and
belong to (or, app-only, be granted) the mailbox named in ``user=``. MAIL FROM requires a successful AUTH.
"""

from __future__ import annotations

import binascii
import logging
import secrets
import threading
import time
from base64 import b64decode
from dataclasses import dataclass
from typing import NamedTuple

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.servers.certs import TlsMaterial
from tests.servers.oauth_authority import OAuthAuthority
from tests.servers.ports import LOOPBACK, free_port

SERVER_HOSTNAME = "smtp.intake.test"  # EHLO name; passing one also avoids a slow socket.getfqdn()


class SmtpUser(NamedTuple):
    """Unpacks as ``login, password = user``."""

    login: str
    password: str


@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes  # the message exactly as transmitted after DATA (dot-unstuffed)
    login: str | None  # authenticated identity (the SASL user, or the XOAUTH2 user=)
    auth_mechanism: str | None  # "PLAIN", "LOGIN", "XOAUTH2"
    tls: bool
    port: int


@dataclass(frozen=True)
class _OAuthIdentity:
    login: str


class _Handler:
    """One per listener, so records know which port (and TLS mode) a message came in on."""

    def __init__(self, owner: SmtpServer, *, implicit_tls: bool):
        self.owner = owner
        self.implicit_tls = implicit_tls
        self.port = 0

    def _is_tls(self, session: Session) -> bool:
        return self.implicit_tls or session.ssl is not None

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope, address, mail_options):
        if self.owner.require_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Sender OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope):
        auth = session.auth_data
        login = getattr(auth, "login", None)
        if isinstance(login, bytes):
            login = login.decode("utf-8", "replace")
        raw = envelope.original_content if envelope.original_content is not None else envelope.content
        self.owner._record(
            ReceivedMessage(
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                data=raw if isinstance(raw, bytes) else str(raw).encode(),
                login=login,
                auth_mechanism=getattr(session, "intake_auth_mechanism", None),
                tls=self._is_tls(session),
                port=self.port,
            )
        )
        return "250 2.0.0 OK: queued"

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        """SASL XOAUTH2: base64("user=" user "\\x01auth=Bearer " token "\\x01\\x01")."""
        if len(args) == 1:
            blob = await server.challenge_auth("")  # client sends the response on the next line
            if blob is MISSING:
                return AuthResult(success=False, handled=True)
        else:
            try:
                blob = b64decode(args[1], validate=True)
            except binascii.Error:
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        assert isinstance(blob, bytes)
        fields = dict(
            part.split("=", 1) for part in blob.decode("utf-8", "replace").split("\x01") if "=" in part
        )
        user = fields.get("user", "")
        bearer = fields.get("auth", "")
        token = bearer[7:] if bearer.lower().startswith("bearer ") else ""
        authority = self.owner.authority
        if not user or not token or authority is None or not authority.validate_bearer(token, user):
            # What Exchange Online answers for a bad/expired token.
            return AuthResult(success=False, handled=False, message="535 5.7.3 Authentication unsuccessful")
        server.session.intake_auth_mechanism = "XOAUTH2"
        return AuthResult(success=True, auth_data=_OAuthIdentity(user))


class _RelayHandler(_Handler):
    """An unauthenticated relay: EHLO without AUTH, MAIL from anyone."""

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope, hostname, responses):
        session.host_name = hostname  # the 5-argument hook replaces aiosmtpd's own bookkeeping
        return [line for line in responses if not line[4:].upper().startswith("AUTH")]

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope, address, mail_options):
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Sender OK"


class SmtpServer:
    """Start with start(), stop with stop(); users via add_user(); received mail in ``messages``;
    every AUTH PLAIN/LOGIN attempt's login, successful or not, in ``auth_attempts``."""

    def __init__(
        self,
        tls: TlsMaterial,
        *,
        authority: OAuthAuthority | None = None,
        host: str = LOOPBACK,
        require_auth: bool = True,
    ):
        self.tls = tls
        self.authority = authority
        self.host = host
        self.require_auth = require_auth
        self.users: dict[str, SmtpUser] = {}
        self._messages: list[ReceivedMessage] = []
        self._cond = threading.Condition()
        self._controllers: list[Controller] = []
        self.starttls_port = 0
        self.implicit_tls_port = 0
        self.plain_port = 0
        self.relay_port = 0
        self.auth_attempts: list[str] = []

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> SmtpServer:
        # aiosmtpd logs a "Session.login_data is deprecated" *warning* on every successful AUTH (its own
        # smtp_AUTH sets it); keep that noise out of test output.
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        common = {
            "authenticator": self._authenticate,
            "server_hostname": SERVER_HOSTNAME,
            "enable_SMTPUTF8": True,
        }
        specs = [
            # (attribute, implicit TLS?, extra SMTP kwargs)
            (
                "starttls_port",
                False,
                {
                    "tls_context": self.tls.server_context(),
                    "require_starttls": True,
                    "auth_require_tls": True,
                },
            ),
            ("implicit_tls_port", True, {"auth_require_tls": False}),
            ("plain_port", False, {"auth_require_tls": False}),
            ("relay_port", False, {"tls_context": self.tls.server_context(), "auth_require_tls": False}),
        ]
        try:
            for attribute, implicit, smtp_kwargs in specs:
                kind = _RelayHandler if attribute == "relay_port" else _Handler
                handler = kind(self, implicit_tls=implicit)
                handler.port = free_port(self.host)
                controller = Controller(
                    handler,
                    hostname=self.host,
                    port=handler.port,
                    ssl_context=self.tls.server_context() if implicit else None,
                    **common,
                    **smtp_kwargs,
                )
                controller.start()
                self._controllers.append(controller)
                setattr(self, attribute, handler.port)
        except Exception:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        controllers, self._controllers = self._controllers, []
        for controller in controllers:
            controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ users

    def add_user(self, login: str | None = None, password: str | None = None) -> SmtpUser:
        user = SmtpUser(
            login or f"sender-{secrets.token_hex(4)}@example.test",
            password if password is not None else secrets.token_urlsafe(12),
        )
        self.users[user.login] = user
        return user

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data):
        """aiosmtpd ``authenticator`` for the built-in PLAIN and LOGIN mechanisms."""
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode("utf-8", "replace")
            with self._cond:
                self.auth_attempts.append(login)
            user = self.users.get(login)
            if user is not None and secrets.compare_digest(user.password.encode(), auth_data.password):
                session.intake_auth_mechanism = mechanism
                return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)  # -> "535 5.7.8 Authentication credentials invalid"

    # ------------------------------------------------------------------ received mail

    def _record(self, message: ReceivedMessage) -> None:
        with self._cond:
            self._messages.append(message)
            self._cond.notify_all()

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._cond:
            return list(self._messages)

    def messages_for(self, *, login: str | None = None, rcpt: str | None = None) -> list[ReceivedMessage]:
        """Messages sent by ``login`` and/or to ``rcpt`` (keeps tests sharing the server independent)."""
        return [m for m in self.messages if _matches(m, login, rcpt)]

    def wait_for_messages(
        self, count: int = 1, timeout: float = 5.0, *, login: str | None = None, rcpt: str | None = None
    ) -> list[ReceivedMessage]:
        """Wait until at least ``count`` (matching) messages arrived and return them; else TimeoutError."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [m for m in self._messages if _matches(m, login, rcpt)]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"expected {count} message(s), got {len(found)}")
                self._cond.wait(remaining)

    def clear(self) -> None:
        with self._cond:
            self._messages.clear()


def _matches(message: ReceivedMessage, login: str | None, rcpt: str | None) -> bool:
    if login is not None and (message.login or "").lower() != login.lower():
        return False
    return rcpt is None or rcpt.lower() in (r.lower() for r in message.rcpt_tos)
