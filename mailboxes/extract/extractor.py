"""extract_mail: raw mail bytes in, an ExtractedMail out, whatever the bytes are."""

import contextlib
from collections.abc import Callable

from mailboxes.extract.collect import collect
from mailboxes.extract.fastmime import parse_fast, parse_salvaging
from mailboxes.extract.headers import (
    decode_text_header,
    display_address,
    parse_addresses,
    parse_date,
    parse_message_id,
)
from mailboxes.extract.model import ExtractedMail
from mailboxes.extract.parts import MimePart, NeedsFullParser, longest_header_value
from mailboxes.extract.stdlib_tree import parse_with_stdlib

SNIPPET_LENGTH = 200
# Real header values stay far below this (RFC 5322 asks for lines under 1000 characters).
LONGEST_HEADER_FOR_STDLIB = 64 * 1024


def parse_structure(raw: bytes) -> MimePart:
    """The MIME tree of `raw`: the fast parser when it can vouch for the mail, else the standard library's.

    The fast parser in salvage mode reads what the standard library cannot: mail so deeply nested that it
    runs out of stack (it recurses once per level), and mail with header values so long that it would
    take minutes (it splits parameters in quadratic time).
    """
    try:
        return parse_fast(raw)
    except NeedsFullParser:
        pass
    salvaged = parse_salvaging(raw)
    if longest_header_value(salvaged) <= LONGEST_HEADER_FOR_STDLIB:
        # In practice RecursionError; nothing else is known to escape the standard library's parser.
        with contextlib.suppress(Exception):
            return parse_with_stdlib(raw)
    salvaged.defects.append("structure read by the salvaging parser")
    return salvaged


def extract_mail(raw: bytes) -> ExtractedMail:
    """Read a raw RFC 5322 mail: headers, body text, attachments (also from forwarded mails and winmail.dat).

    Never raises. A mail that cannot be read at all comes back with `unreadable_reason` set; problems
    that were worked around are listed in `defects`.
    """
    try:
        return extract_mail_using(raw, parse_structure)
    except RecursionError:
        return ExtractedMail(unreadable_reason="MIME structure too deeply nested to read")
    except MemoryError:
        return ExtractedMail(unreadable_reason="mail too large to read in memory")
    except Exception as error:  # the contract is to never raise: a bug must not stop the mailbox poll
        return ExtractedMail(unreadable_reason=f"could not be read: internal error ({type(error).__name__})")


def extract_mail_using(raw: bytes, parse: Callable[[bytes], MimePart]) -> ExtractedMail:
    """extract_mail with a chosen structure parser, and exceptions left to the caller (for tests)."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    elif not isinstance(raw, bytes):
        raw = bytes(raw) if raw is not None else b""
    if not raw:
        return ExtractedMail(unreadable_reason="empty message: no bytes")
    if raw.isspace():  # stops at the first other byte, unlike strip(), which would copy the mail
        return ExtractedMail(unreadable_reason="empty message: only blank lines")
    root = parse(raw)
    if not root.headers:
        return ExtractedMail(unreadable_reason="not an e-mail message: no headers")
    mail = ExtractedMail()
    mail.subject = decode_text_header(root.header("subject"))
    senders = parse_addresses(root.header_values("from")) or parse_addresses(root.header_values("sender"))
    if senders:
        name, mail.sender_address = senders[0]
        mail.sender = display_address(name, mail.sender_address)
    mail.recipients = _unique_addresses(parse_addresses(root.header_values("to") + root.header_values("cc")))
    mail.date = parse_date(root.header("date"))
    mail.message_id, message_id_note = parse_message_id(root.header("message-id"))
    found = collect(root)
    mail.text = found.text
    mail.snippet = " ".join(found.text[: SNIPPET_LENGTH * 4].split())[:SNIPPET_LENGTH]
    mail.attachments = found.attachments
    mail.defects = _header_defects(root, mail, message_id_note) + found.defects
    return mail


def _unique_addresses(pairs: list[tuple[str, str]]) -> list[str]:
    # Case-insensitive de-duplication; the first spelling wins.
    unique: dict[str, str] = {}
    for _name, address in pairs:
        if address:
            unique.setdefault(address.lower(), address)
    return list(unique.values())


def _header_defects(root: MimePart, mail: ExtractedMail, message_id_note: str) -> list[str]:
    notes = []
    if root.header("date") is None:
        notes.append("no Date header")
    elif mail.date is None:
        notes.append("unparsable Date header")
    if root.header("message-id") is None:
        notes.append("no Message-ID header")
    elif message_id_note:
        notes.append(message_id_note)
    return notes
