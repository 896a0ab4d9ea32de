"""SMTP at the edge: the only module that touches smtplib. Raises domain errors with safe messages."""

from __future__ import annotations

import contextlib
import logging
import smtplib

from mailboxes.protocols import log_scrubbing, network, scrubbing, tls
from mailboxes.protocols.errors import (
    RECIPIENTS_REFUSED,
    AuthenticationRejected,
    AuthenticationUnavailable,
    MailConnectionError,
    ProtocolFailure,
    RelayRefused,
    ascii_only_login,
    server_words,
)
from mailboxes.protocols.settings import ServerSettings

logger = logging.getLogger(__name__)
_DEBUG_LINE_LIMIT = 500  # smtplib's debug output includes whole mails; the log gets a line's start


class _LoggedDebug:
    """smtplib's debug output goes to this module's logger, not stderr: at DEBUG only, scrubbed."""

    def _watch_debug(self) -> None:
        self.debuglevel = 1 if logger.isEnabledFor(logging.DEBUG) else 0

    def _print_debug(self, *args):
        line = " ".join(str(arg) for arg in args)
        logger.debug("%s", scrubbing.bounded(line, log_scrubbing.current_secrets(), limit=_DEBUG_LINE_LIMIT))


class _PlainSMTP(_LoggedDebug, smtplib.SMTP):
    def __init__(self, endpoint: network.Endpoint, timeout: float):
        self._endpoint = endpoint
        self._watch_debug()
        super().__init__(endpoint.host, endpoint.port, timeout=timeout)

    def _get_socket(self, host, port, timeout):
        sock = network.open_socket(self._endpoint, timeout)
        tls.await_greeting(sock, self._endpoint, timeout)
        return sock


class _TlsSMTP(_LoggedDebug, smtplib.SMTP_SSL):
    def __init__(self, endpoint: network.Endpoint, context, timeout: float):
        self._endpoint = endpoint
        self._watch_debug()
        super().__init__(endpoint.host, endpoint.port, timeout=timeout, context=context)

    def _get_socket(self, host, port, timeout):
        sock = network.open_socket(self._endpoint, timeout)
        return self.context.wrap_socket(sock, server_hostname=self._host)


def _xoauth2(username: str, token: str):
    payload = f"user={username}\x01auth=Bearer {token}\x01\x01"

    def respond(challenge=None):
        # First call: the initial response. A later call carries the server's error JSON: answer empty.
        return payload if challenge is None else ""

    return respond


@contextlib.contextmanager
def translated_errors(server: ServerSettings):
    try:
        yield
    except smtplib.SMTPAuthenticationError as exc:
        raise AuthenticationRejected(detail=_reply(exc, server)) from None
    except smtplib.SMTPNotSupportedError:
        # Only login() raises it here: the server offers no AUTH (an on-premises relay).
        raise AuthenticationUnavailable(detail=server.host) from None
    except smtplib.SMTPServerDisconnected as exc:
        if isinstance(exc.__context__, TimeoutError):  # smtplib says "disconnected" for a silent server
            raise tls.transport_error(exc.__context__, server) from None
        raise ProtocolFailure(detail=server.redact(server_words(exc))) from None
    except smtplib.SMTPResponseException as exc:
        refused = isinstance(exc, smtplib.SMTPSenderRefused) and exc.smtp_code == 530  # AUTH required
        raise (RelayRefused if refused else ProtocolFailure)(
            detail=f"{exc.smtp_code} {_reply(exc, server)}"
        ) from None
    except smtplib.SMTPException as exc:
        raise ProtocolFailure(detail=type(exc).__name__) from None
    except (MailConnectionError, OSError) as exc:
        raise tls.transport_error(exc, server) from None


def _reply(exc: smtplib.SMTPResponseException, server: ServerSettings) -> str:
    return server.redact(server_words(exc.smtp_error))


@contextlib.contextmanager
def session(server: ServerSettings):
    """An authenticated SMTP session; credentials never travel unencrypted unless encryption is NONE."""
    endpoint = network.resolve(server.host, server.port)
    secured = tls.plan("smtp", server.encryption, server.port, server.trusted_ca_pem)
    with log_scrubbing.guarding(server.secrets), translated_errors(server):
        if secured.implicit:
            client = _TlsSMTP(endpoint, secured.context, server.timeout)
        else:
            client = _PlainSMTP(endpoint, server.timeout)
        try:
            client.ehlo()
            if secured.starttls:
                secured.require_starttls(client.has_extn("starttls"), server.host)
                client.starttls(context=secured.context)
                client.ehlo()
            if not server.authenticate:
                pass  # an on-premises relay taking mail without AUTH: there are no credentials to send
            elif server.uses_oauth:
                client.auth("XOAUTH2", _xoauth2(server.username, server.access_token))
            else:
                with ascii_only_login():
                    client.login(server.username, server.password)
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.quit()
            with contextlib.suppress(Exception):
                client.close()


def check(server: ServerSettings, *, sender: str = "") -> None:
    """Connect, secure, EHLO and authenticate: the SMTP connection test (sends nothing).

    Without authentication the server decides by the sender alone, so it is asked (MAIL FROM, then RSET):
    a relay that wants AUTH says so in the test rather than at the first notification."""
    with session(server) as client, translated_errors(server):
        if not server.authenticate and sender:
            code, reply = client.mail(sender)
            client.rset()
            if code != 250:
                raise RelayRefused(detail=f"{code} {server.redact(server_words(reply))}")


def send(server: ServerSettings, *, sender: str, recipients: list[str], message: bytes) -> None:
    """Send one message; raises a domain error when the server does not accept it for every recipient."""
    with session(server) as client, translated_errors(server):
        refused = client.sendmail(sender, recipients, message)
        if refused:
            raise ProtocolFailure(RECIPIENTS_REFUSED, detail=", ".join(sorted(refused)))
