"""Turning bytes of unknown honesty into text.

Mailers declare charsets they do not use, misspell them, or declare none and send raw 8-bit. We try the
declared charset first and then the charsets that real mail in this region actually uses.
"""

import codecs
import contextlib
import functools
from contextvars import ContextVar

from mailboxes.extract.notes import Note, note

# After the declared charset fails: UTF-8 (what most mailers send today), then the Central European
# Windows and ISO charsets, then latin-1, which accepts any byte and so always ends the chain.
FALLBACK_CHARSETS = ("utf-8", "windows-1250", "iso-8859-2", "latin-1")

# Names seen in the wild that Python does not know, or knows under a narrower meaning.
_ALIASES = {
    "ks_c_5601-1987": "cp949",  # Outlook's name for Korean
    "gb2312": "gb18030",  # mailers label GBK/GB18030 text as gb2312
    "gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "x-mac-roman": "mac-roman",
    "x-sjis": "shift_jis",
    "windows-874": "cp874",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
}

# Charsets whose codecs would decode anything without complaint; when a mailer declares one of them but
# the bytes are valid UTF-8, UTF-8 is the better guess (the mailer simply did not know better).
# The charsets the mail being read declares for its parts: the best guess for its undeclared 8-bit
# header text (a Polish ERP writes file names in raw ISO-8859-2 and declares iso-8859-2 for the body).
# Set for the duration of one extraction (extract_mail), so every header decoder sees it.
_declared_by_mail: ContextVar = ContextVar("declared_by_mail", default=None)


@contextlib.contextmanager
def declared_charsets(find_names):
    """Within the block, raw 8-bit text falls back to the charsets `find_names()` returns. Called only
    when such text turns up (rarely): most mail never pays for walking its parts."""
    token = _declared_by_mail.set([find_names, None])
    try:
        yield
    finally:
        _declared_by_mail.reset(token)


def _declared() -> tuple[str, ...]:
    pending = _declared_by_mail.get()
    if pending is None:
        return ()
    if pending[1] is None:
        usable = (c for c in map(normalize_charset, pending[0]()) if c and c != "ascii")
        pending[1] = tuple(dict.fromkeys(c for c in usable if not c.startswith(_NOT_ASCII_COMPATIBLE)))
    return pending[1]


def _fallbacks() -> tuple[str, ...]:
    # Valid UTF-8 first: raw ISO-8859-2 or windows-1250 text is almost never valid UTF-8 by accident,
    # while UTF-8 text is always valid; then what the mail declares; then the region's charsets.
    declared = _declared()
    if not declared:
        return FALLBACK_CHARSETS
    return tuple(dict.fromkeys(("utf-8", *declared, *FALLBACK_CHARSETS)))


_PERMISSIVE = frozenset({"iso8859-1", "ascii", "cp1252"})
_NOT_ASCII_COMPATIBLE = ("utf-16", "utf-32", "utf-7")


@functools.lru_cache(maxsize=256)
def normalize_charset(name: str | None) -> str:
    """The codec name Python knows for `name`, or "" if there is none."""
    if not name or len(name) > 64:
        return ""
    name = name.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return ""


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, Note | str]:
    """Decode `data` with the declared charset, falling back sensibly.

    Returns (text, note); note is "" when the declared charset (or plain ASCII) worked, otherwise a Note
    saying what was used instead, fit to be recorded as a defect.
    """
    if not data:
        return "", ""
    codec = normalize_charset(declared)
    # Pure ASCII reads the same in every charset a mail declares, except the wide and 7-bit Unicode forms.
    if data.isascii() and not codec.startswith(_NOT_ASCII_COMPATIBLE):
        return data.decode("ascii"), ""
    said = ""
    if declared and not codec:
        said = note("extract.unknown_charset", charset=repr(declared.strip()[:40]))
    elif codec:
        if codec in _PERMISSIVE:
            try:
                return data.decode("utf-8"), ""
            except UnicodeDecodeError:
                pass
        try:
            return data.decode(codec), ""
        except (UnicodeError, LookupError, ValueError, TypeError):
            # LookupError: names like "base64" or "rot13" are codecs, but not text encodings.
            said = note("extract.invalid_in_charset", charset=declared.strip()[:40])
    for fallback in _fallbacks():
        try:
            text = data.decode(fallback)
        except (UnicodeError, LookupError):
            continue
        return text, (note("extract.decoded_as", note=said, charset=fallback) if said else "")
    return data.decode("latin-1", errors="replace"), said  # unreachable: latin-1 accepts every byte


def undo_surrogates(text: str) -> str:
    """Header text as parsed keeps raw 8-bit bytes as surrogate escapes; decode them as real text."""
    if text.isascii():
        return text
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text  # real non-ASCII characters mixed with escapes cannot occur from a byte parse
    return decode_bytes(raw)[0]
