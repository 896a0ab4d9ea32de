"""What extraction hands to the polling code."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ExtractedAttachment:
    """One file found in a mail.

    `origin` says where it was: "" at the top level, "forwarded: <subject>" inside a forwarded message,
    "winmail.dat" inside Outlook's TNEF, nested levels joined with " \u203a ". An attachment whose bytes
    could not be decoded is still listed, with the raw bytes and the reason in `unreadable_reason`.
    """

    display_name: str
    data: bytes
    size: int
    sha256: str
    declared_type: str
    sniffed_type: str
    is_graphic: bool
    is_inline: bool = False
    origin: str = ""
    unreadable_reason: str = ""


@dataclass
class ExtractedMail:
    """A mail read as far as it could be: headers, body text, attachments and the repairs made.

    `unreadable_reason` is "" for a mail that could be read; otherwise it says why not, and the other
    fields hold whatever could still be recovered.
    """

    message_id: str = ""
    subject: str = ""
    sender: str = ""
    sender_address: str = ""
    recipients: list[str] = field(default_factory=list)
    date: datetime | None = None
    text: str = ""
    snippet: str = ""
    attachments: list[ExtractedAttachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    unreadable_reason: str = ""
