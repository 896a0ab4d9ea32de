"""Scrubbing secrets out of text that came from outside: server replies, exception text, log lines.

A mail server or the sign-in service may echo what it received, and rarely in the form we hold it:
IMAP quotes and escapes a password, SASL sends base64 of a blob that carries it at some offset, an HTTP
body URL-encodes it, and Python's repr, JSON and HTML escape it again on the way to a log or a page.
So each secret is looked for in every such form, and always in the whole text: text cut first could
keep the part of a secret that straddles the cut. `bounded` is the one way to shorten: scrub, then cut.
"""

import base64
import functools
import re
from collections.abc import Iterable

MARK = "***"
DETAIL_LIMIT = 300  # what an error keeps of a server's words, after scrubbing
_MIN_FRAGMENT = 4  # base64 fragments shorter than this would match ordinary words
_BASE64_CHARACTER = r"[A-Za-z0-9+/_-]"

# Escaping adds a backslash per layer (IMAP quoting, then repr or JSON, then repr again...).
_BACKSLASHES = r"\\{1,4}"
_CONTROL_ESCAPES = {"\n": "n", "\r": "r", "\t": "t", "\b": "b", "\f": "f", "\v": "v", "\a": "a"}
_HTML_ENTITIES = {
    '"': ("&quot;", "&#34;", "&#x22;"),
    "'": ("&#x27;", "&#39;", "&apos;"),
    "&": ("&amp;", "&#38;"),
    "<": ("&lt;", "&#60;"),
    ">": ("&gt;", "&#62;"),
}


def as_text(value) -> str:
    """Text of a server reply, exception or log argument; undecodable bytes kept as \\xNN escapes."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "backslashreplace")
    return str(value)


def scrub(text, secrets: Iterable[str]) -> str:
    """`text` with every form of every secret replaced by MARK (clear, IMAP-quoted or otherwise
    escaped, URL-encoded, HTML-escaped, base64 at any offset inside a longer blob)."""
    text = as_text(text)
    pattern = _pattern(tuple(sorted({secret for secret in secrets if secret})))
    return pattern.sub(MARK, text) if pattern is not None and text else text


def bounded(text, secrets: Iterable[str], limit: int = DETAIL_LIMIT) -> str:
    """Scrubbed, then cut to `limit` characters: safe to store, show and log."""
    clean = scrub(text, secrets)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def sasl_blobs(username: str, *, password: str = "", token: str = "") -> list[str]:
    """What the portal's SASL mechanisms send for these credentials (servers see them base64-encoded)."""
    blobs = []
    if password:
        blobs.append(f"\0{username}\0{password}")  # PLAIN, as smtplib and imapclient build it
    if token:
        blobs.append(f"user={username}\x01auth=Bearer {token}\x01\x01")  # XOAUTH2
    return blobs


def encodings(secret: str) -> set[str]:
    """The base64 that carries the secret: whole, and the part that stays the same whatever its offset
    inside a longer blob (base64 works in groups of three bytes: three alignments)."""
    raw = secret.encode("utf-8")
    found = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        found.add(encode(raw).decode("ascii"))
        for offset in range(3):
            encoded = encode(bytes(offset) + raw).decode("ascii")
            # Output character j holds bits 6j..6j+5: keep those that hold only bits of the secret.
            stable = encoded[(8 * offset + 5) // 6 : (8 * (offset + len(raw))) // 6]
            if len(stable) >= _MIN_FRAGMENT:
                found.add(stable)
    return found


@functools.lru_cache(maxsize=64)
def _pattern(secrets: tuple[str, ...]) -> re.Pattern | None:
    if not secrets:
        return None
    # A base64 fragment takes the characters on either side along: they hold a few bits of the secret.
    forms = {secret: _escaped_form(secret) for secret in secrets}
    for encoded in {encoded for secret in secrets for encoded in encodings(secret)}:
        forms.setdefault(encoded, f"{_BASE64_CHARACTER}?{_escaped_form(encoded)}{_BASE64_CHARACTER}?=*")
    # Longest first: a whole SASL blob goes before the fragment of the password inside it.
    return re.compile("|".join(forms[form] for form in sorted(forms, key=len, reverse=True)))


def _escaped_form(text: str) -> str:
    return "".join(_character(character) for character in text)


def _hex(value: int, width: int) -> str:
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{value:0{width}x}")


def _character(character: str) -> str:
    """A pattern for one character of a secret in any of the escapings it may have been through."""
    if character.isascii() and character.isalnum():
        return character
    encoded = character.encode("utf-8")
    code = ord(character)
    if character == "\\":
        alternatives = [r"\\{1,8}"]
    elif character in "\"'/":
        alternatives = [r"\\{0,7}" + re.escape(character)]
    else:
        alternatives = [re.escape(character)]
    alternatives.append("".join("%" + _hex(byte, 2) for byte in encoded))  # URL-encoded
    alternatives.append("".join(_BACKSLASHES + "x" + _hex(byte, 2) for byte in encoded))  # repr of bytes
    if code < 0x100:  # repr of str; a Latin-1 echo decoded by as_text
        alternatives.append(_BACKSLASHES + "x" + _hex(code, 2))
    if code < 0x10000:
        alternatives.append(_BACKSLASHES + "u" + _hex(code, 4))  # JSON, repr of str
    else:
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        alternatives.append(_BACKSLASHES + "U" + _hex(code, 8))
        alternatives.append(_BACKSLASHES + "u" + _hex(high, 4) + _BACKSLASHES + "u" + _hex(low, 4))
    if character in _CONTROL_ESCAPES:
        alternatives.append(_BACKSLASHES + _CONTROL_ESCAPES[character])
    if character == " ":
        alternatives.append(r"\+")  # form encoding
    alternatives.extend(re.escape(entity) for entity in _HTML_ENTITIES.get(character, ()))
    return "(?:" + "|".join(alternatives) + ")"
