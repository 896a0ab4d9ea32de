"""TLS settings shared by IMAP and SMTP: the encryption modes and the certificate trust of a mailbox."""

import contextlib
import select
import ssl
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from intake import reasons
from mailboxes.protocols import network
from mailboxes.protocols.errors import (
    CERTIFICATE_NOT_TRUSTED,
    TRUSTED_CERTIFICATE_INVALID,
    EncryptionUnavailable,
    ImplicitTlsExpected,
    ImplicitTlsNotSpoken,
    MailConnectionError,
    ProtocolFailure,
    TimedOut,
    TlsFailure,
    server_words,
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
            raise TlsFailure(TRUSTED_CERTIFICATE_INVALID) from None
    return context


# What OpenSSL says when the first bytes of the answer to its hello are not TLS: a clear-text greeting.
_NOT_TLS_REASONS = {
    "WRONG_VERSION_NUMBER",
    "RECORD_LAYER_FAILURE",
    "PACKET_LENGTH_TOO_LONG",
    "UNKNOWN_PROTOCOL",
    "HTTP_REQUEST",
    "RECORD_TOO_LARGE",
}


def describe_tls_error(exc: ssl.SSLError, where: str = "") -> TlsFailure:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return TlsFailure(CERTIFICATE_NOT_TRUSTED, detail=exc.verify_message)  # OpenSSL's words
    if exc.reason in _NOT_TLS_REASONS:
        return ImplicitTlsNotSpoken(detail=where)
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
            raise EncryptionUnavailable(detail=host)


def plan(protocol: str, encryption: str, port: int, trusted_ca_pem: str = "") -> Plan:
    if encryption == NONE:
        return Plan(implicit=False, starttls=False, context=None)
    implicit = uses_implicit_tls(protocol, encryption, port)
    return Plan(implicit=implicit, starttls=not implicit, context=client_context(trusted_ca_pem))


# A server that starts in clear text greets at once; one silent for this long may be waiting for a TLS hello.
GREETING_PATIENCE_SECONDS = 1.0
_PROBE_SECONDS = 3.0  # how long a TLS server may take to answer a hello
_TLS_RECORD_TYPES = {0x15, 0x16}  # alert, handshake: what a TLS server answers a hello with
TIMED_OUT_ON_TLS_PORT = reasons.define(
    "mail.timed_out_on_tls_port",
    _(
        "Timed out: the server did not answer in time. This port usually expects TLS at once: choose the "
        "encryption SSL/TLS."
    ),
)


def await_greeting(sock, endpoint: network.Endpoint, timeout: float | None) -> None:
    """For a session that starts in clear text (STARTTLS, None): if the server says nothing at first, ask
    it on a second connection whether it speaks TLS at once, so that choosing STARTTLS for port 993 says
    "choose SSL/TLS" in a second instead of timing out. A server merely slow to greet is waited for (the
    library's own read, with the full timeout)."""
    patience = min(GREETING_PATIENCE_SECONDS, timeout or GREETING_PATIENCE_SECONDS)
    if select.select([sock], [], [], patience)[0]:
        return
    if speaks_tls_at_once(endpoint, timeout=min(_PROBE_SECONDS, timeout or _PROBE_SECONDS)):
        sock.close()
        raise ImplicitTlsExpected(detail=f"{endpoint.host}:{endpoint.port}")


def speaks_tls_at_once(endpoint: network.Endpoint, *, timeout: float) -> bool:
    """Send a TLS hello (nothing else: no credentials, no handshake completed) and see whether the answer
    is a TLS record."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    hello_maker = client_context().wrap_bio(incoming, outgoing, server_hostname=endpoint.host)
    with contextlib.suppress(ssl.SSLWantReadError):  # it wrote the hello and waits for an answer
        hello_maker.do_handshake()
    try:
        with network.open_socket(endpoint, timeout) as probe:
            probe.sendall(outgoing.read())
            answer = probe.recv(3)
    except (OSError, MailConnectionError):
        return False
    return len(answer) >= 2 and answer[0] in _TLS_RECORD_TYPES and answer[1] == 3


def transport_error(exc: BaseException, server) -> MailConnectionError:
    """The domain error for a failure below the mail protocol (TLS, timeouts, sockets)."""
    where = f"{server.host}:{server.port}"
    if isinstance(exc, MailConnectionError):
        return exc
    if isinstance(exc, ssl.SSLError):
        return describe_tls_error(exc, where)
    if isinstance(exc, TimeoutError):  # connected, then no answer (connecting has its own TimedOut)
        return TimedOut(TIMED_OUT_ON_TLS_PORT if _silent_tls_port(server) else None, detail=where)
    return ProtocolFailure(detail=server.redact(server_words(exc)))


def _silent_tls_port(server) -> bool:
    """Clear text chosen for a well-known implicit-TLS port, and the server never answered."""
    return server.encryption in (STARTTLS, NONE) and server.port in IMPLICIT_TLS_PORTS.values()
