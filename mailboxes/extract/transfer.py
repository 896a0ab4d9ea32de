"""Undoing Content-Transfer-Encoding, tolerantly.

Bodies arrive as a slice of the raw mail (`source[start:end]`) so that a 50 MB attachment is decoded
straight out of the mail bytes, without first copying its encoded form.
"""

import binascii
import re
from dataclasses import dataclass

from mailboxes.extract.notes import Note, joined, note

_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NOT_BASE64_OR_PAD = bytes(sorted(set(range(256)) - set(_BASE64_ALPHABET) - {ord("=")}))
_WHITESPACE = b" \t\r\n\x0b\x0c"
# A well-formed body has '=' only as padding at its very end (before trailing whitespace).
_PADDING_TAIL = re.compile(rb"=[=\s]*\Z")
_PADDING_RUN = re.compile(rb"=+")
# Blanks at the end of a line, also after the "=" of a soft line break: padding added in transit. Blanks
# before that "=" are text (RFC 2045 §6.7 rule 3): PHP's encoder breaks lines after a space that way.
_TRAILING_BLANKS = re.compile(rb"[ \t]+(\r\n|\n|\r|\Z)")
# Above this share of characters outside the alphabet, the body is not base64 at all (a mailer declared
# base64 and sent the raw file, or the part is something else entirely): decoding would only make noise.
_MAX_STRAY_SHARE = 0.25

BASE64_PADDING_REPAIRED = note("extract.base64_padding_repaired")
BASE64_TRUNCATED = note("extract.base64_truncated")  # the file may be cut off (collect.py)

_IDENTITY = frozenset({"", "7bit", "8bit", "binary", "7-bit", "8-bit"})
_UUENCODE = frozenset({"x-uuencode", "uuencode", "x-uue", "uue"})


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded body bytes plus what had to be repaired (`note`) or why decoding failed (`unreadable`)."""

    data: bytes
    note: Note | str = ""
    unreadable: Note | str = ""


def normalize_encoding(value: str | None) -> str:
    """The transfer encoding named by a Content-Transfer-Encoding header value, lower-case."""
    if not value:
        return ""
    value = value.strip().strip("\"'").lower()
    if "base64" in value:
        return "base64"
    if value.startswith("quoted"):
        return "quoted-printable"
    return value


def decode_body(part) -> Decoded:
    """The decoded body of a MimePart, by its Content-Transfer-Encoding."""
    encoding = normalize_encoding(part.header("content-transfer-encoding"))
    return decode_transfer(part.source, part.body_start, part.body_end, encoding)


def decode_transfer(source: bytes, start: int, end: int, encoding: str) -> Decoded:
    """Decode `source[start:end]` according to the (normalized) transfer `encoding`."""
    if encoding == "base64":
        return decode_base64(source, start, end)
    if encoding == "quoted-printable":
        return Decoded(decode_quoted_printable(source, start, end))
    if encoding in _IDENTITY:
        return Decoded(source[start:end])
    if encoding in _UUENCODE:
        return decode_uuencode(source[start:end])
    unknown = note("extract.unknown_transfer_encoding", encoding=repr(encoding[:40]))
    return Decoded(source[start:end], note=unknown)


def decode_quoted_printable(source: bytes, start: int, end: int) -> bytes:
    """Quoted-printable per RFC 2045 §6.7: whitespace at the end of an encoded line was added in transit
    and is dropped, also after a soft line break's "=" ("faktura=  "); before the "=" it is text."""
    view = memoryview(source)[start:end]
    if _TRAILING_BLANKS.search(source, start, end) is None:
        return binascii.a2b_qp(view)  # the common case: one C call, no copy
    return binascii.a2b_qp(_TRAILING_BLANKS.sub(rb"\1", bytes(view)))


def decode_base64(source: bytes, start: int, end: int) -> Decoded:
    """Base64 decoding that survives bad padding, stray characters and truncation.

    The common case is one C call over the body. binascii silently stops at the first padding, so a body
    with '=' anywhere but its end (concatenated encodings) goes to the repair path, as does anything
    binascii rejects.
    """
    first_pad = source.find(b"=", start, end)
    if first_pad == -1 or _PADDING_TAIL.match(source, first_pad, end):
        try:
            return Decoded(binascii.a2b_base64(memoryview(source)[start:end]))
        except binascii.Error:
            pass
    return _repair_base64(source[start:end])


def _repair_base64(encoded: bytes) -> Decoded:
    non_blank = len(encoded.translate(None, _WHITESPACE))
    cleaned = encoded.translate(None, _NOT_BASE64_OR_PAD)
    stray = non_blank - len(cleaned)
    if non_blank and stray > non_blank * _MAX_STRAY_SHARE:
        share = round(100 * stray / non_blank)
        return Decoded(encoded, unreadable=note("extract.not_base64", share=share))
    notes = []
    if stray:
        notes.append(note("extract.base64_stray_characters", count=stray))
    chunks = []
    dropped = False
    padding_repaired = False
    # Each run of '=' ends one encoded stream; some mailers concatenate several, each padded.
    segments = [segment for segment in _PADDING_RUN.split(cleaned) if segment]
    for segment in segments:
        remainder = len(segment) % 4
        if remainder == 1:  # one lone character carries no whole byte: the data was cut off here
            segment = segment[:-1]
            dropped = True
            remainder = 0
        if remainder:
            padding_repaired = True
        chunks.append(binascii.a2b_base64(segment + b"=" * (-len(segment) % 4)))
    if len(segments) > 1:
        padding_repaired = True
    if padding_repaired:
        notes.append(BASE64_PADDING_REPAIRED)
    if dropped:
        notes.append(BASE64_TRUNCATED)
    return Decoded(b"".join(chunks), note=joined(*notes))


def decode_uuencode(encoded: bytes) -> Decoded:
    """uuencoded body (`begin 644 name` … `end`), line by line, skipping lines that do not decode."""
    lines = encoded.splitlines()
    begin = next((i for i, line in enumerate(lines) if line.startswith(b"begin ")), -1)
    out = []
    bad = 0
    for line in lines[begin + 1 :]:
        if line.strip() in (b"end", b"`"):
            if line.strip() == b"end":
                break
            continue
        if not line.strip():
            continue
        try:
            out.append(binascii.a2b_uu(line))
        except binascii.Error:
            # Some encoders pad lines with garbage; the length byte says how much is data.
            try:
                length = (((line[0] - 32) & 63) * 4 + 5) // 3
                out.append(binascii.a2b_uu(line[:length]))
            except binascii.Error:
                bad += 1
    said = note("extract.uuencoded_lines_bad", count=bad) if bad else ""
    if begin == -1:
        said = joined(note("extract.uuencoded_without_begin"), said)
    return Decoded(b"".join(out), note=said)
