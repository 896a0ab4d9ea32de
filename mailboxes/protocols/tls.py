"""TLS settings shared by IMAP and SMTP: the encryption modes and the certificate trust of a mailbox."""

import ssl
from dataclasses import dataclass

from mailboxes.protocols.errors import (
    EncryptionUnavailable,
    MailConnectionError,
    ProtocolFailure,
    TimedOut,
    TlsFailure,
)

SSL_TLS = "ssl"
STARTTLS = "starttls"
AUTOMATIC = "auto"
NONE = "none"

IMPLICIT_TLS_PORTS = {"imap": 993, "smtp": 465}
DEFAULT_PORTS = {
    ("imap", SSL_TLS): 993,
    ("imap", STARTTLS): 143,
    ("imap", AUTOMATIC): 993,
    ("imap", NONE): 143,
    ("smtp", SSL_TLS): 465,
    ("smtp", STARTTLS): 587,
    ("smtp", AUTOMATIC): 587,
    ("smtp", NONE): 587,
}


def uses_implicit_tls(protocol: str, encryption: str, port: int) -> bool:
    """Automatic means implicit TLS on the well-known TLS port, STARTTLS (required) elsewhere."""
    return encryption == SSL_TLS or (encryption == AUTOMATIC and port == IMPLICIT_TLS_PORTS[protocol])


def client_context(extra_ca_pem: str = "") -> ssl.SSLContext:
    """A verifying client context: system CAs, plus the one certificate a mailbox chose to trust.

    There is deliberately no switch to turn verification off.
    """
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if extra_ca_pem.strip():
        try:
            context.load_verify_locations(cadata=extra_ca_pem)
        except (ssl.SSLError, ValueError):
            raise TlsFailure(detail="the trusted certificate is not a valid PEM certificate") from None
    return context


def describe_tls_error(exc: ssl.SSLError) -> TlsFailure:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return TlsFailure(detail=f"certificate not trusted: {exc.verify_message}")
    return TlsFailure(detail=exc.reason or type(exc).__name__)


def validate_ca_pem(pem: str) -> None:
    client_context(pem)


@dataclass(frozen=True)
class Plan:
    """How a session with a server is secured: the one place the encryption rule is decided.

    `implicit`: TLS from the first byte. `starttls`: upgrade before anything else, and refuse to go on
    (credentials unsent) when the server does not offer it. Neither: clear text, only for NONE.
    """

    implicit: bool
    starttls: bool
    context: ssl.SSLContext | None

    def require_starttls(self, offered: bool, host: str) -> None:
        if not offered:
            raise EncryptionUnavailable(detail=f"{host} offers no STARTTLS")


def plan(protocol: str, encryption: str, port: int, trusted_ca_pem: str = "") -> Plan:
    if encryption == NONE:
        return Plan(implicit=False, starttls=False, context=None)
    implicit = uses_implicit_tls(protocol, encryption, port)
    return Plan(implicit=implicit, starttls=not implicit, context=client_context(trusted_ca_pem))


def transport_error(exc: BaseException, server) -> MailConnectionError:
    """The domain error for a failure below the mail protocol (TLS, timeouts, sockets)."""
    if isinstance(exc, MailConnectionError):
        return exc
    if isinstance(exc, ssl.SSLError):
        return describe_tls_error(exc)
    if isinstance(exc, TimeoutError):
        return TimedOut(detail=f"{server.host}:{server.port}")
    return ProtocolFailure(detail=server.redact(exc))
