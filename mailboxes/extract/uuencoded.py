"""uuencoded files inside a text body (`begin 644 faktura.pdf` … `end`): Outlook Express and old ERP
systems send attachments this way, in the text itself rather than as MIME parts."""

import re
from dataclasses import dataclass

from mailboxes.extract.notes import Note, joined, note
from mailboxes.extract.transfer import decode_uuencode

_BEGIN = re.compile(rb"(?m)^begin [0-7]{3,4} ([^\r\n]{1,255}?)[ \t]*\r?$")
_END = re.compile(rb"(?m)^end[ \t]*\r?$")
MAX_FILES = 100
NO_END_LINE = note("extract.uuencoded_without_end")


@dataclass(frozen=True)
class UuencodedFile:
    name: str  # as written on the begin line (raw bytes decoded leniently by the caller's rules)
    raw_name: bytes
    data: bytes
    note: Note | str


def split_uuencoded(text: bytes) -> tuple[bytes, list[UuencodedFile]]:
    """(the text without its uuencoded blocks, the files they held)."""
    if b"begin " not in text:
        return text, []
    files = []
    kept = []
    position = 0
    while len(files) < MAX_FILES and (begin := _BEGIN.search(text, position)) is not None:
        end = _END.search(text, begin.end())
        stop = end.end() if end else len(text)
        decoded = decode_uuencode(text[begin.start() : stop])
        said = decoded.note if end else joined(NO_END_LINE, decoded.note)
        files.append(UuencodedFile(begin[1].decode("latin-1"), begin[1], decoded.data, said))
        kept.append(text[position : begin.start()])
        position = stop
    kept.append(text[position:])
    return b"".join(kept), files


def begin_line_name(data: bytes) -> str:
    """The file name on the `begin` line of an x-uuencode part ("" if none): its name when the part has
    no other."""
    begin = _BEGIN.search(data, 0, 4096)
    return begin[1].decode("latin-1") if begin else ""
