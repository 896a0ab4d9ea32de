"""The fast path: MIME structure found with bytes.find on the raw mail.

The standard library's parser walks every line of a mail through Python code, which makes it slow for
large base64 attachments, and holds several copies of the mail as text. Here only header blocks are
read line by line; bodies are located by searching for their boundary, and stay slices of the raw
bytes. The result is the very tree the standard library would build (same parts, same header values,
same body bytes, same defects); `tests/extract/test_parser_paths_agree.py` holds it to that. Two
deliberate exceptions, both repairs the standard library does not attempt: a transfer-encoded
message/rfc822 is decoded before it is read, and a multipart without a boundary parameter gets one
guessed from its body.

Anything this parser does not reproduce exactly — a malformed header block, a multipart whose first
boundary never comes, adjacent boundaries, bare CR line ends in headers, delivery-status reports —
raises NeedsFullParser and the whole mail goes to the standard library's parser instead. In salvage
mode (parse_salvaging) it presses on instead, for the rare mail the standard library cannot read."""

import re

import mailboxes.extract.streaming as streaming
from mailboxes.extract.notes import note
from mailboxes.extract.parts import (
    DEFECT_NOTES,
    LEAF,
    MAX_DEPTH,
    MESSAGE,
    MULTIPART,
    TOO_DEEP,
    MimePart,
    NeedsFullParser,
    child_default_type,
    structure_type,
)
from mailboxes.extract.transfer import decode_transfer, normalize_encoding

# A header line as the standard library recognises one (RFC 5322 field name and colon, a continuation,
# or a Unix "From " envelope line).
_HEADER_LINE = re.compile(rb"From |[\x21-\x39\x3b-\x7e]*:|[\t ]")
# What may follow "--boundary" on a boundary line: "--" when it closes, blanks, then the line's end.
_BOUNDARY_TAIL = re.compile(rb"(--)?[ \t]*(?:\r\n|\r|\n|\Z)")
# A "--token" line followed by a header line: the start of a part whose boundary nobody declared.
_GUESSABLE_BOUNDARY = re.compile(rb"(?m)^--([\x21-\x7e]{1,70}?)(?:--)?[ \t]*\r?\n([\x21-\x39\x3b-\x7e]+:)?")
_CR, _LF = 13, 10
_MULTIPART_ENCODINGS = ("7bit", "8bit", "binary")


def parse_fast(raw: bytes) -> MimePart:
    """The MIME tree of `raw`, or NeedsFullParser if the mail needs the standard library's parser."""
    return _FastParser(salvage=False).entity(raw, 0, len(raw), 0, "text/plain")


def parse_salvaging(raw: bytes) -> MimePart:
    """The fast parser, pressing on where it would give up, with the standard library's choices as far as
    they are simple to make. For mail the standard library cannot read either (it recurses once per
    nesting level, so a deeply nested mail with one oddity exhausts its stack). Never raises
    NeedsFullParser."""
    return _FastParser(salvage=True).entity(raw, 0, len(raw), 0, "text/plain")


class _FastParser:
    def __init__(self, *, salvage: bool) -> None:
        self.salvage = salvage

    def give_up_unless_salvaging(self, reason: str) -> None:
        if not self.salvage:
            raise NeedsFullParser(reason)

    def entity(
        self, buf: bytes, start: int, end: int, depth: int, default_type: str, raw_end: int | None = None
    ) -> MimePart:
        """The entity in buf[start:end]. `raw_end` is where it ended before the enclosing multipart took
        the line break in front of its boundary (see split_multipart)."""
        raw_end = end if raw_end is None else raw_end
        headers, body_start, defects = self.header_block(buf, start, end)
        declared = next((value for name, value in headers if name.lower() == "content-type"), None)
        content_type, boundary = structure_type(declared, default_type)
        part = MimePart(headers, content_type, LEAF, buf, body_start, end, defects=defects)
        maintype = content_type.partition("/")[0]
        if maintype not in ("message", "multipart"):
            return part
        if content_type == "message/delivery-status":
            self.give_up_unless_salvaging("delivery-status report")
            return part
        if depth >= MAX_DEPTH:
            part.defects.append(TOO_DEEP)  # kept as one opaque part, listed with the problem
            return part
        if maintype == "message":
            part.kind = MESSAGE
            part.children = [self.enclosed_message(part, depth, raw_end)]
            part.body_end = body_start  # the body is the enclosed message now
        else:
            self.split_multipart(part, boundary, depth, raw_end)
        return part

    def enclosed_message(self, part: MimePart, depth: int, raw_end: int) -> MimePart:
        encoding = normalize_encoding(part.header("content-transfer-encoding"))
        if encoding in ("base64", "quoted-printable"):
            # Forbidden by RFC 2046 but sent all the same: decode first, then read the message inside.
            decoded = decode_transfer(part.source, part.body_start, part.body_end, encoding).data
            return self.entity(decoded, 0, len(decoded), depth + 1, "text/plain")
        return self.entity(part.source, part.body_start, part.body_end, depth + 1, "text/plain", raw_end)

    def header_block(self, buf: bytes, start: int, end: int) -> tuple[list[tuple[str, str]], int, list[str]]:
        """Headers as the standard library's compat32 policy stores them, where the body starts, defects."""
        lines = []
        defects = []
        position = start
        while position < end:
            newline = buf.find(b"\n", position, end)
            line_end = end if newline == -1 else newline + 1
            line = buf[position:line_end]
            if b"\r" in line and (line.count(b"\r") > 1 or not line.endswith(b"\r\n")):
                self.give_up_unless_salvaging("bare CR in a header block")
            if line == b"\r\n" or line == b"\n":
                return self.headers_from_lines(lines, defects), line_end, defects
            if not _HEADER_LINE.match(line):
                self.give_up_unless_salvaging("header block ends without a blank line")
                defects.append(DEFECT_NOTES["MissingHeaderBodySeparatorDefect"])
                return self.headers_from_lines(lines, defects), position, defects
            lines.append(line)
            position = line_end
        return self.headers_from_lines(lines, defects), end, defects

    def headers_from_lines(self, lines: list[bytes], defects: list[str]) -> list[tuple[str, str]]:
        headers = []
        current: list[str] = []
        for number, raw_line in enumerate(lines):
            line = raw_line.decode("ascii", "surrogateescape")
            if line[0] in " \t":
                if current:
                    current.append(line)
                else:
                    self.give_up_unless_salvaging("headers start with a continuation line")
                    defects.append(DEFECT_NOTES["FirstHeaderLineIsContinuationDefect"])
                continue
            if current:
                headers.append(_header_from_source(current))
                current = []
            if line.startswith("From "):
                if number != 0:  # at the top it is the mbox envelope line, not a header
                    self.give_up_unless_salvaging("misplaced 'From ' line")
                    defects.append(DEFECT_NOTES["MisplacedEnvelopeHeaderDefect"])
                continue
            if line.startswith(":"):
                self.give_up_unless_salvaging("header without a name")
                defects.append(DEFECT_NOTES["InvalidHeaderDefect"])
                continue
            current = [line]
        if current:
            headers.append(_header_from_source(current))
        return headers

    def split_multipart(self, part: MimePart, boundary: str | None, depth: int, raw_end: int) -> None:
        """Split at boundary lines. The line break before a boundary belongs to the boundary (RFC 2046
        §5.1.1), so each part ends before it. Exactly where the standard library puts it: a part that
        runs to the end (no closing boundary) loses one line break, not one per enclosing multipart, and a
        multipart that cannot be split keeps its last line break."""
        buf, start, end = part.source, part.body_start, part.body_end
        if boundary is None:
            part.defects.append(DEFECT_NOTES["NoBoundaryInMultipartDefect"])
            boundary = _guess_boundary(buf, start, end)
            if boundary is None:
                part.body_end = raw_end
                return  # stays a leaf holding the whole body, as with the standard library
            part.defects.append(note("extract.boundary_guessed", boundary=repr(boundary)[:200]))
        if not boundary.isascii():
            self.give_up_unless_salvaging("non-ASCII boundary")
        encoding = part.header("content-transfer-encoding")
        if encoding is not None and encoding.lower() not in _MULTIPART_ENCODINGS:
            part.defects.append(DEFECT_NOTES["InvalidMultipartContentTransferEncodingDefect"])
        lines = _boundary_lines(buf, start, end, b"--" + boundary.encode("utf-8", "surrogateescape"))
        if not lines or lines[0][2]:
            self.give_up_unless_salvaging("first boundary not found")
            part.defects.append(DEFECT_NOTES["StartBoundaryNotFoundDefect"])
            part.body_end = raw_end
            return
        default_type = child_default_type(part.content_type)
        children = []
        for index, (_line_start, after, closes) in enumerate(lines):
            if closes:
                break
            has_next = index + 1 < len(lines)
            following = lines[index + 1][0] if has_next else raw_end
            if has_next and following == after:
                self.give_up_unless_salvaging("adjacent boundary lines")
                continue
            child_end = _without_final_newline(buf, after, following)
            children.append(self.entity(buf, after, child_end, depth + 1, default_type, following))
        if not lines[-1][2]:
            part.defects.append(DEFECT_NOTES["CloseBoundaryNotFoundDefect"])
        part.kind = MULTIPART
        part.children = children
        part.body_end = part.body_start


def _header_from_source(lines: list[str]) -> tuple[str, str]:
    # The compat32 rule: value starts after the colon and its blanks, keeps inner folding, loses the
    # final line break.
    name, value = lines[0].split(":", 1)
    value = value.lstrip(" \t") + "".join(lines[1:])
    return name, value.rstrip("\r\n")


def _boundary_lines(buf: bytes, start: int, end: int, separator: bytes) -> list[tuple[int, int, bool]]:
    """(line start, end of line incl. newline, is closing) of each boundary line, up to the closing one."""
    found = []
    position = start
    while True:
        at = streaming.find(buf, separator, position, end)  # a memory map: a window at a time
        if at == -1:
            return found
        position = at + 1
        if at != start and buf[at - 1] not in (_CR, _LF):
            continue  # "--boundary" in the middle of a line is content
        tail = _BOUNDARY_TAIL.match(buf, at + len(separator), end)
        if tail is None:
            continue  # a longer boundary that merely starts with ours
        closes = tail[1] is not None
        found.append((at, tail.end(), closes))
        if closes:
            return found
        position = tail.end()


def _without_final_newline(buf: bytes, start: int, end: int) -> int:
    # The line break before a boundary belongs to the boundary (RFC 2046 §5.1.1).
    if end - start >= 2 and buf[end - 2] == _CR and buf[end - 1] == _LF:
        return end - 2
    if end > start and buf[end - 1] in (_CR, _LF):
        return end - 1
    return end


def _guess_boundary(buf: bytes, start: int, end: int) -> str | None:
    """A boundary for a multipart that declares none: the first `--token` line followed by a header.

    Only used by the fast path; it turns a body the standard library would leave as one opaque blob
    back into its parts.
    """
    match = _GUESSABLE_BOUNDARY.search(buf, start, min(end, start + 8192))
    if match is None or match[2] is None:
        return None
    return match[1].decode("ascii")
