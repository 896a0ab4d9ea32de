"""What the protocol modules need to reach a server: plain data, built from a Mailbox by the caller."""

from dataclasses import dataclass, field


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

    @property
    def uses_oauth(self) -> bool:
        return bool(self.access_token)
