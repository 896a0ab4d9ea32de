"""What extraction hands to the polling code."""

from dataclasses import dataclass, field
from datetime import datetime

from mailboxes.extract.notes import Note, note

# What an attachment is to the operators: only documents are proposed for documents; the others stay
# listed and downloadable on the mail page.
DOCUMENT = "document"
CONTAINER = "container"  # an archive, Outlook message or signed wrapper whose files are listed after it
SIGNATURE = "signature"  # S/MIME or PGP signature file
PICTURE_IN_TEXT = "picture"  # an image the HTML body draws (cid:), a signature logo
RESOURCE_FORK = "resource_fork"  # Mac AppleDouble metadata (application/applefile)

# What is wrong with an attachment, if anything (the detail says it: a Note, notes.py).
TRUNCATED = "truncated"
UNREADABLE = "unreadable"
ENCRYPTED = "encrypted"
TOO_DEEP = "too_deep"
OVER_LIMIT = "over_limit"
ENCRYPTED_DETAIL = note("extract.encrypted")

# Signature states of a mail.
SIGNATURE_VERIFIED = "verified"
SIGNATURE_FAILED = "failed"
SIGNATURE_UNCHECKED = "unchecked"  # OpenPGP: no public keys to check against

ORIGIN_SEPARATOR = " \u203a "  # single right-pointing angle quotation mark between nesting levels


def join(origin: str, *labels: str) -> str:
    """An attachment's origin one level deeper: "forwarded: Invoice \u203a winmail.dat"."""
    return ORIGIN_SEPARATOR.join(label for label in (origin, *labels) if label)


@dataclass
class ExtractedAttachment:
    """One file found in a mail.

    `origin` says where it was: "" at the top level, "forwarded: <subject>" inside a forwarded message,
    "winmail.dat" inside Outlook's TNEF, "inside <archive>" in a ZIP, nested levels joined with
    " \u203a ". `role` says whether it is a document (see the constants above). A file with a problem is
    still listed, with what could be recovered of its bytes: `problem` is one of the codes above and
    `problem_detail` says it for a person (a Note, rendered in the reader's language; "" for none).
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
    role: str = DOCUMENT
    problem: str = ""
    problem_detail: Note | str = ""
    # Decoded into a spool file instead of `data` (b""): the spool's name (extract_mail's `spool`).
    spooled: str = ""


@dataclass
class ExtractedMail:
    """A mail read as far as it could be: headers, body text, attachments and the repairs made.

    `unreadable_reason` is "" for a mail that could be read; otherwise it says why not (a Note), and the
    other fields hold whatever could still be recovered. `defects` are Notes too, and `signature_detail`
    the signer's address (plain) or a Note saying why the signature does not verify. `date` is None
    when the Date header is missing, unreadable or implausible; `date_text` keeps it as written.
    """

    message_id: str = ""
    subject: str = ""
    sender: str = ""
    sender_address: str = ""
    recipients: list[str] = field(default_factory=list)
    date: datetime | None = None
    date_text: str = ""
    text: str = ""
    snippet: str = ""
    attachments: list[ExtractedAttachment] = field(default_factory=list)
    defects: list[Note] = field(default_factory=list)
    unreadable_reason: Note | str = ""
    signature: str = ""  # "" (not signed) or one of the SIGNATURE_ states
    signature_detail: Note | str = ""  # the signer's address, or why the signature does not verify
