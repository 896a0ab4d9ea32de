"""Reading header values: RFC 2047 encoded words, addresses, dates and Message-IDs.

Header values come in raw, as the parser found them: folded, possibly with raw 8-bit bytes kept as
surrogate escapes. Everything here is lenient and never raises.
"""

import binascii
import re
from datetime import UTC, datetime, timedelta
from email.utils import getaddresses, parsedate_to_datetime

from mailboxes.extract.charsets import decode_bytes, undo_surrogates
from mailboxes.extract.notes import Note, note

# charset may carry an RFC 2231 language ("utf-8*cs"); the text may contain spaces (mailers that fold
# inside an encoded word) but never '?', so a word cannot run into the next one.
_ENCODED_WORD = re.compile(r"=\?([^?\s\"]{1,64})\?([QqBb])\?([^?]*)\?=")
_FOLD = re.compile(r"\r?\n|\r")
_WHITESPACE_RUN = re.compile(r"\s+")
_BASE64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")
_MESSAGE_ID = re.compile(r"<\s*([^<>\s]+?)\s*>")
_BARE_MESSAGE_ID = re.compile(r"^[^<>\s@]+@[^<>\s@]+$")
_PLACEHOLDER = re.compile(r"ewrdph(\d+)z")
_BARE_ADDRESS = re.compile(r"[^\s<>,;:\"()\[\]]+@[^\s<>,;:\"()\[\]]+")
# Enough for a few thousand recipients; beyond it is an attack on the address parser, not a mail.
_LONGEST_ADDRESS_HEADER = 256 * 1024


def unfold(value: str | None) -> str:
    """Undo header folding: line breaks go, the whitespace after them stays (RFC 5322 §2.2.3)."""
    if not value:
        return ""
    return _FOLD.sub("", value)


def decode_words(value: str | None) -> str:
    """Decode a header value: RFC 2047 encoded words in any charset, and raw 8-bit text.

    Tolerates encoded words inside quotes (as Outlook writes them), split across folded lines, split in
    the middle of a multi-byte character, with bad base64 padding, or in unknown charsets.
    """
    text = unfold(value)
    if "=?" not in text:
        return undo_surrogates(text)
    pieces: list[str] = []
    pending_charset = None
    pending = bytearray()
    position = 0
    for match in _ENCODED_WORD.finditer(text):
        between = text[position : match.start()]
        # Whitespace between two encoded words is folding, not content (RFC 2047 §6.2).
        if between and not (pending_charset is not None and between.isspace()):
            if pending_charset is not None:
                pieces.append(decode_bytes(bytes(pending), pending_charset)[0])
                pending_charset, pending = None, bytearray()
            pieces.append(undo_surrogates(between))
        charset = match[1].split("*", 1)[0]
        if pending_charset is not None and charset.lower() != pending_charset.lower():
            pieces.append(decode_bytes(bytes(pending), pending_charset)[0])
            pending = bytearray()
        pending_charset = charset
        # Bytes of adjacent words are joined before decoding: encoders split multi-byte characters.
        pending += _decode_word_text(match[2], match[3])
        position = match.end()
    if pending_charset is not None:
        pieces.append(decode_bytes(bytes(pending), pending_charset)[0])
    pieces.append(undo_surrogates(text[position:]))
    return "".join(pieces)


def _decode_word_text(encoding: str, text: str) -> bytes:
    # Whitespace is never content inside an encoded word (Q writes spaces as "_"): where it appears, a
    # mailer folded the line in the middle of the word.
    raw = "".join(text.split()).encode("utf-8", "surrogateescape")
    if encoding in "Qq":
        return binascii.a2b_qp(raw, header=True)
    raw = _BASE64_JUNK.sub(b"", raw)
    raw = raw[: len(raw) - (len(raw) % 4 == 1)]  # a lone trailing character carries no byte
    try:
        return binascii.a2b_base64(raw + b"=" * (-len(raw) % 4))
    except binascii.Error:
        return b""


def decode_text_header(value: str | None) -> str:
    """A human-readable header (Subject and the like): decoded, whitespace runs collapsed."""
    return _WHITESPACE_RUN.sub(" ", decode_words(value)).strip()


def parse_addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, address) pairs from address headers; names decoded, empty entries dropped."""
    if not values:
        return []
    words: list[str] = []

    def stash(match: re.Match) -> str:
        # Encoded words are parsed as opaque atoms: once decoded, their commas and quotes would split
        # or break the address list.
        words.append(match[0])
        return f"ewrdph{len(words) - 1}z"

    def restore(text: str) -> str:
        return _PLACEHOLDER.sub(lambda match: words[int(match[1])], text)

    protected = [_ENCODED_WORD.sub(stash, unfold(value)[:_LONGEST_ADDRESS_HEADER]) for value in values]
    try:
        parsed = getaddresses(protected)
    except RecursionError:  # deeply nested comments, "((((…": pick out what looks like addresses
        parsed = [("", address) for value in protected for address in _BARE_ADDRESS.findall(value)]
    pairs = []
    for name, address in parsed:
        name = decode_text_header(restore(name))
        address = undo_surrogates(restore(address)).strip()
        if address or name:
            pairs.append((name, address))
    return pairs


def display_address(name: str, address: str) -> str:
    """`Name <addr>` as people read it (no quoting or encoding: this is for display only)."""
    if name and address:
        return f"{name} <{address}>"
    return name or address


# A Date header outside these bounds is a broken clock or a hostile mail, not a moment to sort by.
EARLIEST_PLAUSIBLE_DATE = datetime(1980, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=2)  # clocks a day off, plus time zones written the wrong way round
OUT_OF_RANGE = note("extract.date_out_of_range")
# The year of an RFC 5322 date: after the day and the month name.
_YEAR = re.compile(r"\b\d{1,2}\s+[A-Za-z]{3}\s+(\d+)\b")


def parse_date(value: str | None) -> datetime | None:
    """The Date header as a timezone-aware datetime; None if it cannot be read or is implausible."""
    return read_date(value)[0]


def read_date(value: str | None, *, now: datetime | None = None) -> tuple[datetime | None, Note | str]:
    """(moment, note): the Date header in UTC, or None and why not ("" when there is no header).

    A date without a usable zone ("-0000" or an unknown name) is taken as UTC. Dates before 1980 or more
    than two days ahead are refused: kept as text by the caller, never used for ordering.
    """
    text = decode_text_header(value)[:200]
    if not text:
        return None, ""
    try:
        moment = parsedate_to_datetime(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError, OverflowError, AttributeError):
        return None, note("extract.date_unparsable")
    written_year = _YEAR.search(text)
    try:
        # Converting may overflow (year 9999 at -12:00 is year 10000 in UTC): the date is absurd then.
        moment = moment.astimezone(UTC)
    except OverflowError:
        return None, OUT_OF_RANGE
    # The parser reads "0001" as 2001 (its rule for two-digit years): a written year must be the year.
    if written_year and len(written_year[1]) >= 3 and abs(int(written_year[1]) - moment.year) > 1:
        return None, OUT_OF_RANGE
    latest = (now or datetime.now(UTC)) + FUTURE_TOLERANCE
    if not EARLIEST_PLAUSIBLE_DATE <= moment <= latest:
        return None, OUT_OF_RANGE
    return moment, ""


def parse_message_id(value: str | None) -> tuple[str, Note | str]:
    """(`<id@host>`, note) from a Message-ID header; ("", why) when it holds no usable id."""
    text = unfold(value).strip()
    if not text:
        return "", ""
    match = _MESSAGE_ID.search(text)
    if match:
        return f"<{undo_surrogates(match[1])}>", ""
    if _BARE_MESSAGE_ID.match(text):
        return f"<{undo_surrogates(text)}>", note("extract.message_id_without_brackets")
    return "", note("extract.message_id_unparsable")
