"""What the protocol modules need to reach a server: plain data, built from a Mailbox by the caller."""

import base64
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

    def redact(self, text) -> str:
        """A server's words (or an exception's), shortened and minus any credential we sent, in clear
        or base64 as SASL sends it: safe for error messages and logs."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        text = str(text)[:300]
        for secret in (self.password, self.access_token):
            if secret:
                text = text.replace(secret, "***").replace(base64.b64encode(secret.encode()).decode(), "***")
        return text
