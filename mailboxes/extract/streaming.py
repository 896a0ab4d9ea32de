"""Large base64 attachments decoded a window at a time straight into a spool file, hashed on the way.

A 50 MB PDF would otherwise be held decoded next to its encoded form (and next to the whole raw mail).
Here it is decoded in windows of WINDOW encoded bytes: each window's bytes are written to a spool file
(`spool()`, given by the caller: extraction itself never touches storage), hashed and summed, and only a
head (for sniffing), a tail and the end markers (for completeness.py) are kept. When the raw mail is a
memory map of its file, the pages already read are given back to the kernel as the windows pass, so
resident memory stays a few windows whatever the mail's size.

Only what the in-memory path would decode in its one fast C call is streamed (well-formed base64 of a
plain file type); anything needing a repair, or a file that may be a container, goes the usual way.
"""

import binascii
import hashlib
import mmap
import re
from dataclasses import dataclass

from intake.files import SNIFF_BYTES, sniff_content_type
from mailboxes.extract.completeness import TAIL_KEPT, reason_from

# Bodies smaller than this are decoded in memory: they cost little, and the common path stays one call.
STREAM_FROM = 4 * 1024 * 1024
WINDOW = 4 * 1024 * 1024  # encoded bytes per window
# Types streamed: plain documents that are never opened as containers (containers.py needs their bytes).
STREAMED_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png", "image/tiff", "image/gif"})
_MARKERS = (b"%%EOF", b"\xff\xd9")  # looked for anywhere in the file (completeness.py)
_OVERLAP = max(map(len, _MARKERS)) - 1

_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NOT_BASE64 = bytes(sorted(set(range(256)) - set(_BASE64_ALPHABET)))
_PADDING_TAIL = re.compile(rb"=[=\s]*\Z")


@dataclass(frozen=True, slots=True)
class Spooled:
    """A decoded body that lives in a spool file: what extraction needs to know of it."""

    name: str  # the spool's name, as the spool gave it (mailboxes.polling.mail_files)
    size: int
    sha256: str
    sniffed_type: str
    tail: bytes
    markers: frozenset
    last_non_nul: bytes

    def incomplete_reason(self, sniffed_type: str):
        return reason_from(
            sniffed_type, self.tail, lambda marker: marker in self.markers, lambda: self.last_non_nul
        )


def release(buf, start: int, end: int) -> None:
    """Give the pages of buf[start:end] (a memory map) back to the kernel; they are read again if needed."""
    if not isinstance(buf, mmap.mmap):
        return
    first = -(-start // mmap.PAGESIZE) * mmap.PAGESIZE
    last = end // mmap.PAGESIZE * mmap.PAGESIZE
    if last > first:
        buf.madvise(mmap.MADV_DONTNEED, first, last - first)


def find(buf, sub: bytes, start: int, end: int) -> int:
    """buf.find(sub, start, end); on a memory map a window at a time, releasing what it has scanned."""
    if not isinstance(buf, mmap.mmap) or end - start <= WINDOW:
        return buf.find(sub, start, end)
    position = start
    while position < end:
        stop = min(end, position + WINDOW + len(sub) - 1)
        at = buf.find(sub, position, stop)
        if at != -1:
            return at
        release(buf, position, stop - len(sub) + 1)
        position = stop - len(sub) + 1 if stop < end else end
    return -1


def spool_base64(part, spool, may_open) -> Spooled | None:
    """Decode a large base64 `part` into a file `spool()` opens, or None when it must go the usual way
    (too small, not a streamed type, a possible container by `may_open(head)`, or base64 that needs
    repairs). Nothing is left behind when it returns None."""
    source, start, end = part.source, part.body_start, part.body_end
    if end - start < STREAM_FROM:
        return None
    decoder = _Decoder()
    position = start
    head = decoder.window(source, position, min(end, position + WINDOW), end)
    if head is None or (len(head) < SNIFF_BYTES and position + WINDOW < end):
        return None
    sniffed_type = sniff_content_type(head)
    if sniffed_type not in STREAMED_TYPES or may_open(head):
        return None
    handle = spool()
    try:
        decoder.keep(handle, head)
        position += WINDOW
        while position < end and not decoder.ended:
            piece = decoder.window(source, position, min(end, position + WINDOW), end)
            if piece is None:
                handle.discard()
                return None
            decoder.keep(handle, piece)
            position += WINDOW
        last = decoder.finish()
        if last is None:
            handle.discard()
            return None
        decoder.keep(handle, last)
        name = handle.finish()
    except BaseException:
        handle.discard()
        raise
    return decoder.spooled(name, sniffed_type)


class _Decoder:
    """Base64 across windows: characters outside the alphabet dropped (as binascii does), groups of four
    decoded, the rest carried to the next window; the padding only at the very end."""

    def __init__(self):
        self.carry = b""
        self.ended = False
        self.pads = 0
        self.size = 0
        self.digest = hashlib.sha256()
        self.tail = b""
        self.markers: set[bytes] = set()
        self.last_non_nul = b""

    def window(self, source, start: int, stop: int, end: int) -> bytes | None:
        encoded = source[start:stop]
        release(source, start, stop)
        pad = encoded.find(b"=")
        if pad != -1:
            if not _PADDING_TAIL.match(source, start + pad, end):
                return None  # '=' inside the body: concatenated encodings, for the repair path
            # binascii stops at the padding; what it counts is the '=' signs up to the end.
            self.pads = encoded.count(b"=", pad) + (source.count(b"=", stop, end) if stop < end else 0)
            encoded, self.ended = encoded[:pad], True
        letters = self.carry + encoded.translate(None, _NOT_BASE64)
        whole = len(letters) - len(letters) % 4
        self.carry = letters[whole:]
        return binascii.a2b_base64(letters[:whole])

    def finish(self) -> bytes | None:
        """The last group, as binascii decodes it at the end of the whole body; None where binascii
        refuses it (bad padding, a lone character): the repair path says what it repaired."""
        if not self.carry:
            return b""
        try:
            return binascii.a2b_base64(self.carry + b"=" * min(self.pads, 2))
        except binascii.Error:
            return None

    def keep(self, handle, data: bytes) -> None:
        if not data:
            return
        handle.write(data)
        self.digest.update(data)
        self.size += len(data)
        joined = self.tail[-_OVERLAP:] + data[: len(_MARKERS[0])]
        for marker in _MARKERS:
            if marker in data or marker in joined:
                self.markers.add(marker)
        self.tail = (self.tail + data[-TAIL_KEPT:])[-TAIL_KEPT:]
        if stripped := data.rstrip(b"\x00"):
            self.last_non_nul = stripped[-1:]

    def spooled(self, name: str, sniffed_type: str) -> Spooled:
        return Spooled(
            name,
            self.size,
            self.digest.hexdigest(),
            sniffed_type,
            self.tail,
            frozenset(self.markers),
            self.last_non_nul,
        )
