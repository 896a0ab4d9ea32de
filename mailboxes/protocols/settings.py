"""What the protocol modules need to reach a server: plain data, built from a Mailbox by the caller."""

from dataclasses import dataclass, field

from mailboxes.protocols import scrubbing


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    encryption: str  # one of tls.SSL_TLS, STARTTLS, AUTOMATIC, NONE
    username: str
    password: str = field(default="", repr=False)
    access_token: str = field(default="", repr=False)  # set for OAuth 2.0 (XOAUTH2)
    trusted_ca_pem: str = field(default="", repr=False)
    timeout: float = 20.0
    authenticate: bool = True  # False: an SMTP relay taking mail without AUTH (no credentials exist)

    @property
    def uses_oauth(self) -> bool:
        return bool(self.access_token)

    @property
    def secrets(self) -> tuple[str, ...]:
        """The credentials this connection sends, and the SASL blobs that carry them."""
        blobs = scrubbing.sasl_blobs(self.username, password=self.password, token=self.access_token)
        return tuple(s for s in (self.password, self.access_token, *blobs) if s)

    def redact(self, text) -> str:
        """A server's words (or an exception's) minus every form of any credential we sent, then
        shortened: safe for error messages and logs."""
        return scrubbing.bounded(text, self.secrets)
