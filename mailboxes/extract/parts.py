"""The MIME tree both parsers produce, and the few rules they must share to produce the same one.

A `MimePart` knows its raw headers and where its still-encoded body lies in a byte buffer; everything
that interprets it (charsets, names, transfer encodings) lives elsewhere and is shared, so the fast
parser and the standard-library fallback can only differ in how they find the structure.
"""

import functools
from dataclasses import dataclass, field
from email.message import Message

# Deeper nesting than this is never legitimate mail; it is a parser bomb or a mailer loop.
MAX_DEPTH = 50

LEAF = "leaf"
MULTIPART = "multipart"
MESSAGE = "message"  # message/*: its one child is the enclosed message

# The standard library's defect classes, said the way a person reading the mail's record would say them.
DEFECT_NOTES = {
    "CloseBoundaryNotFoundDefect": "missing final MIME boundary",
    "StartBoundaryNotFoundDefect": "MIME boundary never found; the body was kept as text",
    "NoBoundaryInMultipartDefect": "multipart without a boundary parameter",
    "MissingHeaderBodySeparatorDefect": "missing blank line between headers and body",
    "FirstHeaderLineIsContinuationDefect": "first header line is a continuation line (ignored)",
    "MisplacedEnvelopeHeaderDefect": "misplaced 'From ' line among the headers (ignored)",
    "InvalidHeaderDefect": "header line without a name (ignored)",
    "InvalidMultipartContentTransferEncodingDefect": "multipart declares a transfer encoding (ignored)",
}
TOO_DEEP = f"MIME structure nested deeper than {MAX_DEPTH} levels; deeper parts ignored"


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
    defects: list[str] = field(default_factory=list)
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


@functools.lru_cache(maxsize=1024)
def structure_type(content_type: str | None, default_type: str) -> tuple[str, str | None]:
    """(content type, boundary) exactly as the standard library's parser decides them.

    Both parsers ask this one function, so they agree on what is a multipart and where it splits.
    """
    message = Message()
    message.set_default_type(default_type)
    if content_type is not None:
        message.set_raw("Content-Type", content_type)
    return message.get_content_type(), message.get_boundary()


def child_default_type(parent_content_type: str) -> str:
    """Parts of a multipart/digest are messages unless they say otherwise (RFC 2046 §5.1.5)."""
    return "message/rfc822" if parent_content_type == "multipart/digest" else "text/plain"
