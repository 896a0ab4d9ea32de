"""extract_mail: raw mail bytes in, an ExtractedMail out, whatever the bytes are."""

import mmap
import re
from collections.abc import Callable

from mailboxes.extract.charsets import declared_charsets
from mailboxes.extract.collect import collect
from mailboxes.extract.headers import (
    decode_text_header,
    display_address,
    parse_addresses,
    parse_message_id,
    read_date,
)
from mailboxes.extract.model import ExtractedMail
from mailboxes.extract.notes import Note, note
from mailboxes.extract.params import parse_structured_header
from mailboxes.extract.parts import MimePart
from mailboxes.extract.structure import parse_structure

SNIPPET_LENGTH = 200
DATE_TEXT_LENGTH = 200
# Header texts kept for the list and the mail page; the raw mail keeps them whole. A 20 MB subject must
# not cost 20 MB per list page, nor decoding time in proportion.
LONGEST_SUBJECT = 2000
LONGEST_HEADER_READ = 64 * 1024


def extract_mail(raw: bytes, spool=None) -> ExtractedMail:
    """Read a raw RFC 5322 mail: headers, body text, attachments (also from forwarded mails and winmail.dat).

    Never raises, but for the errors of `spool`'s files (its `passes`). A mail that cannot be read at
    all comes back with `unreadable_reason` set; problems that were worked around are listed in
    `defects`. `raw` may be a memory map of the mail's file. With `spool` (a callable opening a file to
    write), large base64 attachments are decoded into such files instead of memory: their `spooled`
    names them and their `data` is empty (streaming.py).
    """
    try:
        return extract_mail_using(raw, parse_structure, spool)
    except RecursionError:
        return ExtractedMail(unreadable_reason=note("extract.too_deeply_nested_to_read"))
    except MemoryError:
        return ExtractedMail(unreadable_reason=note("extract.too_large_for_memory"))
    except Exception as error:  # the contract is to never raise: a bug must not stop the mailbox poll
        if spool is not None and isinstance(error, spool.passes):
            raise  # the storage's fault (a full disk), not the mail's
        return ExtractedMail(unreadable_reason=INTERNAL_ERROR(error))


def INTERNAL_ERROR(error: Exception) -> Note:
    return note("extract.internal_error", detail=type(error).__name__[:100])


def extract_mail_using(raw: bytes, parse: Callable[[bytes], MimePart], spool=None) -> ExtractedMail:
    """extract_mail with a chosen structure parser, and exceptions left to the caller (for tests)."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    elif not isinstance(raw, bytes | mmap.mmap):
        raw = bytes(raw) if raw is not None else b""
    if not len(raw):
        return ExtractedMail(unreadable_reason=note("extract.empty_no_bytes"))
    # Stops at the first other byte, unlike strip(), which would copy the mail (a map has no isspace).
    if _NOT_BLANK.search(raw) is None:
        return ExtractedMail(unreadable_reason=note("extract.empty_only_blank_lines"))
    root = parse(raw)
    if not root.headers:
        return ExtractedMail(unreadable_reason=note("extract.no_headers"))
    # Raw 8-bit header text is decoded with the charsets the mail itself declares before the fallbacks.
    with declared_charsets(lambda: _charsets_of(root)):
        return _read(root, raw, spool)


# What bytes.isspace() does not count as blank: found at once in a memory map, which has no isspace().
_NOT_BLANK = re.compile(rb"[^ \t\n\r\x0b\x0c]")


def _read(root: MimePart, raw: bytes, spool=None) -> ExtractedMail:
    mail = ExtractedMail()
    mail.subject = decode_text_header(_capped(root.header("subject")))[:LONGEST_SUBJECT]
    senders = parse_addresses(root.header_values("from")) or parse_addresses(root.header_values("sender"))
    if senders:
        name, mail.sender_address = senders[0]
        mail.sender = display_address(name, mail.sender_address)
    mail.recipients = _unique_addresses(parse_addresses(root.header_values("to") + root.header_values("cc")))
    mail.date, date_note = read_date(root.header("date"))
    mail.date_text = decode_text_header(root.header("date"))[:DATE_TEXT_LENGTH]
    mail.message_id, message_id_note = parse_message_id(root.header("message-id"))
    found = collect(root, raw, spool)
    mail.text = found.text
    mail.snippet = " ".join(found.text[: SNIPPET_LENGTH * 4].split())[:SNIPPET_LENGTH]
    mail.attachments = found.attachments
    mail.defects = _header_defects(root, date_note, message_id_note) + found.defects
    mail.signature, mail.signature_detail = found.signature, found.signature_detail
    mail.unreadable_reason = found.unreadable_reason
    return mail


def _capped(value: str | None) -> str | None:
    return value[:LONGEST_HEADER_READ] if value else value


def _charsets_of(root: MimePart) -> list[str]:
    """Every charset the mail's parts declare, in order of appearance."""
    found: dict[str, None] = {}
    stack = [root]
    while stack and len(found) < 10:
        part = stack.pop()
        charset = parse_structured_header(part.header("content-type")).params.get("charset")
        if charset:
            found.setdefault(charset.strip().lower(), None)
        stack.extend(reversed(part.children))
    return list(found)


def _unique_addresses(pairs: list[tuple[str, str]]) -> list[str]:
    # Case-insensitive de-duplication; the first spelling wins.
    unique: dict[str, str] = {}
    for _name, address in pairs:
        if address:
            unique.setdefault(address.lower(), address)
    return list(unique.values())


def _header_defects(root: MimePart, date_note, message_id_note) -> list[Note]:
    notes = []
    if root.header("date") is None:
        notes.append(note("extract.no_date"))
    elif date_note:
        notes.append(date_note)
    if root.header("message-id") is None:
        notes.append(note("extract.no_message_id"))
    elif message_id_note:
        notes.append(message_id_note)
    return notes
