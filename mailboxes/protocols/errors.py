"""The few errors the protocol edge raises, each with a message an administrator can act on.

Messages never contain passwords, tokens or client secrets: they are fixed text, and the detail (a
server's words, a host name) is scrubbed of every secret of the connection in progress and then
bounded here, so whoever stores or logs str(error) cannot get the order of scrubbing and cutting wrong.

Each error carries a reason code (intake.reasons): its class's ("mail.<kind>"), or that of the fixed text
it was raised with (a `reasons.Kind` below). What is stored is `error.stored()`, the code with the detail
as a parameter, so every reader sees the text in their own language and the detail as it is.
"""

import ast
import contextlib
import re

from django.utils.translation import gettext_lazy as _

from intake import reasons
from mailboxes.protocols.log_scrubbing import current_secrets
from mailboxes.protocols.scrubbing import bounded


class MailConnectionError(Exception):
    """Base of every failure to reach or use a mail server. `kind` is stable, for code and tests."""

    kind = "error"
    default_message = _("The mail server could not be used.")

    default_reason: reasons.Kind

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "default_message" in cls.__dict__:
            cls.default_reason = reasons.define(f"mail.{cls.kind}", cls.default_message)

    def __init__(self, message=None, *, detail: str = ""):
        """`message`: a fixed text with a code (a reasons.Kind), or None for the class's own; a plain text
        is kept as it is, without a code (stored as written)."""
        chosen = message or self.default_reason
        self.code = chosen.code if isinstance(chosen, reasons.Kind) else ""
        self.message = str(chosen)
        # Safe extra context (server reply text, certificate reason): at most DETAIL_LIMIT characters.
        self.detail = bounded(detail, current_secrets()) if detail else ""
        super().__init__(str(self))  # args too: they travel in reprs

    def __str__(self):
        return self.message if not self.detail else f"{self.message} ({self.detail})"

    def __reduce__(self):  # pickles (the fetching processes) keep the code and the detail as they are
        return _rebuilt, (type(self), self.code, self.message, self.detail)

    @property
    def reason(self) -> reasons.Reason | None:
        """The code and detail to store; None for an error raised with a plain text."""
        if not self.code:
            return None
        return reasons.Reason(self.code, {"detail": self.detail} if self.detail else {})

    def stored(self, limit: int = reasons.STORED_LIMIT) -> str:
        """What a row keeps of this error (last_error, a notification's reason): the code and detail."""
        return reasons.stored_text(self, limit)


def _rebuilt(cls, code: str, message: str, detail: str) -> MailConnectionError:
    error = cls.__new__(cls)
    error.code, error.message, error.detail = code, message, detail
    Exception.__init__(error, str(error))
    return error


MailConnectionError.default_reason = reasons.define("mail.error", MailConnectionError.default_message)


class HostNotFound(MailConnectionError):
    kind = "host_not_found"
    default_message = _("Host not found: the server name does not resolve.")


class HostNotAllowed(MailConnectionError):
    kind = "host_not_allowed"
    default_message = _("This address is on an internal network the portal may not connect to.")


class ConnectionRefused(MailConnectionError):
    kind = "connection_refused"
    default_message = _("Connection refused: nothing accepts connections on that port.")


class TimedOut(MailConnectionError):
    kind = "timed_out"
    default_message = _("Timed out: the server did not answer in time.")


class TlsFailure(MailConnectionError):
    kind = "tls_failure"
    default_message = _("TLS failure: a secure connection could not be established.")


class ImplicitTlsExpected(TlsFailure):
    """STARTTLS or None chosen for a port that speaks TLS from the first byte (993, 465): the server waits
    for a TLS hello and never greets in clear text."""

    kind = "implicit_tls_expected"
    default_message = _("This port expects TLS at once: choose the encryption SSL/TLS.")


class ImplicitTlsNotSpoken(TlsFailure):
    """SSL/TLS chosen for a port that starts in clear text (143, 587, 25): it greets in words, not TLS."""

    kind = "implicit_tls_not_spoken"
    default_message = _("This port does not speak TLS at once: choose the encryption STARTTLS or None.")


class EncryptionUnavailable(MailConnectionError):
    kind = "encryption_unavailable"
    default_message = _(
        "The server offers no encryption, so the credentials were not sent. Choose encryption "
        "'None' explicitly only if you accept sending them in clear text."
    )


class AuthenticationRejected(MailConnectionError):
    kind = "authentication_rejected"
    default_message = _("Authentication rejected: the server refused the login or password.")


class AuthenticationUnavailable(MailConnectionError):
    kind = "authentication_unavailable"
    default_message = _(
        "The server offers no authentication. If it relays mail without it, choose the authentication "
        "method 'no authentication'."
    )


class RelayRefused(MailConnectionError):
    kind = "relay_refused"
    default_message = _("The server does not accept mail from this address without authentication.")


class SignInRequired(MailConnectionError):
    kind = "sign_in_required"
    default_message = _("Microsoft sign-in needed: authorize the mailbox again.")


class OAuthFailure(MailConnectionError):
    kind = "oauth_failure"
    default_message = _("Microsoft did not issue a token.")


# Fixed texts of errors whose details, if any, are only data (a host, an address, a server's words):
# raised with one of these, an error stores its code; the text is shown in the reader's language.
NOT_SIGNED_IN_YET = reasons.define(
    "mail.not_signed_in_yet", _("Microsoft sign-in needed: nobody has signed in for this mailbox yet.")
)
SIGN_IN_SERVICE_UNREACHABLE = reasons.define(
    "mail.sign_in_service_unreachable",
    _("Microsoft did not issue a token: its sign-in service could not be reached."),
)
SIGN_IN_ANSWER_MISMATCH = reasons.define(
    "mail.sign_in_answer_mismatch",
    _("Microsoft did not issue a token: the sign-in answer does not belong to this sign-in; start again."),
)
CERTIFICATE_NOT_TRUSTED = reasons.define(
    "mail.certificate_not_trusted", _("TLS failure: the server's certificate is not trusted.")
)
TRUSTED_CERTIFICATE_INVALID = reasons.define(
    "mail.trusted_certificate_invalid",
    _("TLS failure: the trusted certificate is not a valid PEM certificate."),
)
RECIPIENTS_REFUSED = reasons.define("mail.recipients_refused", _("The server refused some recipients."))
LOGIN_NOT_ASCII = reasons.define(
    "mail.login_not_ascii",
    _("The login or password has letters (such as Polish ones) the server's login cannot carry."),
)


class ProtocolFailure(MailConnectionError):
    kind = "protocol_error"
    default_message = _("The server answered in a way the portal did not expect.")


class FetchingInterrupted(MailConnectionError):
    """A fetching process of the portal died (killed, out of memory): the poll failed, not the server."""

    kind = "fetching_interrupted"
    default_message = _(
        "A fetching process of the portal stopped unexpectedly (killed or out of memory); "
        "the poll is retried."
    )


_BYTES_LITERAL = re.compile(r"""\bb(['"])(?:\\.|(?!\1).)*\1""")


def server_words(value) -> str:
    """A server's reply as text: libraries hand it over as bytes or as the repr of bytes
    (imaplib: "b'[AUTHENTICATIONFAILED] Authentication failed.'"), which no reader should see."""
    if isinstance(value, bytes | bytearray):
        text = bytes(value).decode("utf-8", "replace")
    else:
        text = _BYTES_LITERAL.sub(_decoded_literal, str(value))
    return text.strip().strip("'\"").strip()


def _decoded_literal(match: re.Match) -> str:
    try:
        return ast.literal_eval(match.group(0)).decode("utf-8", "replace")
    except (ValueError, SyntaxError):
        return match.group(0)


@contextlib.contextmanager
def ascii_only_login():
    """imaplib and smtplib send LOGIN credentials as ASCII: a password with "ą" raised UnicodeEncodeError,
    which no caller understood. Say it as an authentication problem (without the password, of course)."""
    try:
        yield
    except UnicodeEncodeError:
        raise AuthenticationRejected(LOGIN_NOT_ASCII) from None
