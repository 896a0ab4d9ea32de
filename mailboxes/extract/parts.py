"""The MIME tree both parsers produce, and the few rules they must share to produce the same one.

A `MimePart` knows its raw headers and where its still-encoded body lies in a byte buffer; everything
that interprets it (charsets, names, transfer encodings) lives elsewhere and is shared, so the fast
parser and the standard-library fallback can only differ in how they find the structure.
"""

import functools
from dataclasses import dataclass, field
from email.message import Message

from mailboxes.extract.notes import Note, note

# Deeper nesting than this is never legitimate mail; it is a parser bomb or a mailer loop.
MAX_DEPTH = 50

LEAF = "leaf"
MULTIPART = "multipart"
MESSAGE = "message"  # message/*: its one child is the enclosed message

# The standard library's defect classes, said the way a person reading the mail's record would say them.
DEFECT_NOTES = {
    "CloseBoundaryNotFoundDefect": note("extract.final_boundary_missing"),
    "StartBoundaryNotFoundDefect": note("extract.boundary_never_found"),
    "NoBoundaryInMultipartDefect": note("extract.multipart_without_boundary"),
    "MissingHeaderBodySeparatorDefect": note("extract.header_body_separator_missing"),
    "FirstHeaderLineIsContinuationDefect": note("extract.first_header_line_continuation"),
    "MisplacedEnvelopeHeaderDefect": note("extract.misplaced_from_line"),
    "InvalidHeaderDefect": note("extract.header_line_without_name"),
    "InvalidMultipartContentTransferEncodingDefect": note("extract.multipart_transfer_encoding"),
}
TOO_DEEP = note("extract.nested_too_deep", count=MAX_DEPTH)
# Put on the last part of a multipart whose closing boundary never came (by collect.py, not the parsers).
CUT_OFF = note("extract.mail_ends_inside_part")
MAIL_ENDS_INSIDE = note("extract.mail_ends_inside_file")


class NeedsFullParser(Exception):
    """Raised by the fast parser for structure it leaves to the standard library's parser."""


@dataclass(eq=False, slots=True)
class MimePart:
    """One MIME entity: raw headers (name, value as parsed), kind, and its body as `source[start:end]`."""

    headers: list[tuple[str, str]]
    content_type: str
    kind: str = LEAF
    source: bytes = b""
    body_start: int = 0
    body_end: int = 0
    children: list["MimePart"] = field(default_factory=list)
    defects: list[Note] = field(default_factory=list)
    _by_name: dict[str, list[str]] | None = None

    def header_values(self, name: str) -> list[str]:
        """All raw values of header `name` (case-insensitive), in order."""
        if self._by_name is None:
            self._by_name = {}
            for key, value in self.headers:
                self._by_name.setdefault(key.strip().lower(), []).append(value)
        return self._by_name.get(name, [])

    def header(self, name: str) -> str | None:
        """The first raw value of header `name` (lower-case), or None."""
        values = self.header_values(name)
        return values[0] if values else None

    @property
    def body_size(self) -> int:
        return self.body_end - self.body_start


def structure_type(content_type: str | None, default_type: str) -> tuple[str, str | None]:
    """(content type, boundary) exactly as the standard library's parser decides them.

    Both parsers ask this one function, so they agree on what is a multipart and where it splits.
    """
    if content_type is None or len(content_type) <= _CACHED_LENGTH:
        return _structure_type_cached(content_type, default_type)
    # The standard library splits parameters in quadratic time; no real boundary sits this far in.
    return _structure_type(content_type[:_LONGEST_CONTENT_TYPE], default_type)


# Everyday values are cached; a huge (hostile) value must not stay alive in the cache.
_CACHED_LENGTH = 512
_LONGEST_CONTENT_TYPE = 8192


@functools.lru_cache(maxsize=1024)
def _structure_type_cached(content_type: str | None, default_type: str) -> tuple[str, str | None]:
    return _structure_type(content_type, default_type)


def _structure_type(content_type: str | None, default_type: str) -> tuple[str, str | None]:
    message = Message()
    message.set_default_type(default_type)
    if content_type is not None:
        message.set_raw("Content-Type", content_type)
    full_type = message.get_content_type()
    boundary = message.get_boundary() if full_type.startswith("multipart/") else None
    return full_type, boundary


def longest_header_value(part: MimePart) -> int:
    """Length of the longest raw header value anywhere in the tree."""
    longest = max((len(value) for _name, value in part.headers), default=0)
    return max([longest, *(longest_header_value(child) for child in part.children)])


def child_default_type(parent_content_type: str) -> str:
    """Parts of a multipart/digest are messages unless they say otherwise (RFC 2046 §5.1.5)."""
    return "message/rfc822" if parent_content_type == "multipart/digest" else "text/plain"
