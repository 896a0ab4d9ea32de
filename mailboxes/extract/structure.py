"""Finding the MIME tree of a mail: the fast parser when it can vouch for the mail, else the standard
library's, else the salvaging parser — whichever reads it in time linear in its size."""

import contextlib

from mailboxes.extract.fastmime import parse_fast, parse_salvaging
from mailboxes.extract.notes import note
from mailboxes.extract.parts import MimePart, NeedsFullParser, longest_header_value
from mailboxes.extract.stdlib_tree import parse_with_stdlib

# Real header values stay far below this (RFC 5322 asks for lines under 1000 characters).
LONGEST_HEADER_FOR_STDLIB = 64 * 1024
# The standard library checks every line against every open boundary: thousands of nested, unclosed
# multiparts make it quadratic (100,000 of them took 35 s). Real mail has a few dozen boundary lines.
MOST_BOUNDARY_LINES_FOR_STDLIB = 2000


def parse_structure(raw: bytes) -> MimePart:
    """The MIME tree of `raw`.

    The fast parser in salvage mode reads what the standard library cannot in reasonable time: mail so
    deeply nested that it runs out of stack (it recurses once per level), header values so long that it
    would split parameters for minutes, and thousands of boundary lines.
    """
    try:
        return parse_fast(raw)
    except NeedsFullParser:
        pass
    salvaged = parse_salvaging(raw)
    if (
        longest_header_value(salvaged) <= LONGEST_HEADER_FOR_STDLIB
        and raw.count(b"\n--", 0, len(raw)) <= MOST_BOUNDARY_LINES_FOR_STDLIB
    ):
        # In practice RecursionError; nothing else is known to escape the standard library's parser.
        with contextlib.suppress(Exception):
            return parse_with_stdlib(raw)
    salvaged.defects.append(note("extract.salvaged"))
    return salvaged


def looks_like_mail(data: bytes) -> bool:
    """Whether `data` is an RFC 5322 message (a forwarded mail sent under a generic type): its first
    lines are header fields, and at least two of them are ones every mailer writes."""
    head = data[:8192]
    end = head.find(b"\n\n")
    if end == -1:
        end = head.find(b"\r\n\r\n")
    block = head if end == -1 else head[:end]
    lines = block.splitlines()
    if not lines or b":" not in lines[0] or lines[0][:1] in (b" ", b"\t"):
        return False
    names = {line.split(b":", 1)[0].strip().lower() for line in lines if b":" in line[:80]}
    return len(names & _MAIL_HEADERS) >= 2 and all(_is_header_line(line) for line in lines[:5])


_MAIL_HEADERS = frozenset(
    {b"from", b"to", b"subject", b"date", b"message-id", b"received", b"mime-version", b"return-path"}
)


def _is_header_line(line: bytes) -> bool:
    if line[:1] in (b" ", b"\t"):
        return True  # a continuation
    name, colon, _ = line.partition(b":")
    return bool(colon) and 0 < len(name) <= 76 and all(33 <= byte <= 126 for byte in name)
