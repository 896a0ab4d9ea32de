"""Readers of the mails the notification tests receive (the builders they use are in tests/builders/)."""

import email
from email import policy


def parse(received) -> email.message.EmailMessage:
    return email.message_from_bytes(received.data, policy=policy.default)


def parts(received) -> tuple[str, str]:
    """(text, html) of a received multipart/alternative mail, decoded, with SMTP's CRLF as newlines."""
    message = parse(received)
    return tuple(
        message.get_body((subtype,)).get_content().replace("\r\n", "\n") for subtype in ("plain", "html")
    )
