"""Parameters of Content-Type and Content-Disposition (`name`, `filename`, `charset`, `boundary`).

Our own small parser rather than the email package's: it has to read what mailers actually send —
RFC 2231 continuations split anywhere (even inside a multi-byte character), unquoted values with
spaces, raw 8-bit UTF-8, unterminated quotes and Windows paths full of backslashes — without ever
raising.
"""

import functools
import re
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from mailboxes.extract.charsets import decode_bytes

_FOLDING = re.compile(r"\r?\n(?=[ \t])|[\r\n]")
_SECTION_NAME = re.compile(r"^(?P<base>[^*]+)(?:\*(?P<index>\d{1,3}))?(?P<extended>\*)?$")


@dataclass(frozen=True)
class ParsedHeader:
    """A structured header: its main value (lower-case, e.g. "application/pdf") and its parameters.

    Parameter names are lower-case; values are text with RFC 2231 already decoded. Values may still hold
    RFC 2047 encoded words or raw 8-bit bytes (as surrogate escapes): names.py deals with those.
    """

    value: str
    params: dict[str, str] = field(default_factory=dict)


def parse_structured_header(raw: str | None) -> ParsedHeader:
    """Split `type/subtype; a=b; c="d"` into its value and decoded parameters. Never raises.

    The result is shared between callers (cached): do not modify its `params`.
    """
    if not raw:
        return ParsedHeader("")
    # Cache the everyday short values; a huge (hostile) value must not stay alive in the cache.
    return _parse_cached(raw) if len(raw) <= _CACHED_LENGTH else _parse(raw)


_CACHED_LENGTH = 512


@functools.lru_cache(maxsize=512)
def _parse_cached(raw: str) -> ParsedHeader:
    return _parse(raw)


def _parse(raw: str) -> ParsedHeader:
    text = _FOLDING.sub("", raw)
    head, _, rest = text.partition(";")
    return ParsedHeader(head.strip().lower(), _combine_sections(_split_params(rest)))


def _split_params(text: str) -> list[tuple[str, str]]:
    """`a=b; c="d; e"` → [("a", "b"), ("c", "d; e")], reading quoted strings leniently."""
    params = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t;":
            i += 1
        if i >= n:
            break
        semicolon = text.find(";", i)
        # Looked for only up to the next ';', which keeps "a;a;a;…" linear.
        equals = text.find("=", i, n if semicolon == -1 else semicolon)
        if equals == -1:
            # A bare word without a value: nothing to keep, skip to the next parameter.
            i = n if semicolon == -1 else semicolon + 1
            continue
        name = text[i:equals].strip().lower()
        i = equals + 1
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == '"':
            value, i = _read_quoted(text, i + 1)
            semicolon = text.find(";", i)
            i = n if semicolon == -1 else semicolon + 1
        else:
            semicolon = text.find(";", i)
            end = n if semicolon == -1 else semicolon
            value, i = text[i:end].strip(), end + 1
        if name:
            params.append((name, value))
    return params


def _read_quoted(text: str, i: int) -> tuple[str, int]:
    """The quoted string starting after its opening quote; an unterminated one runs to the end."""
    chars = []
    n = len(text)
    while i < n:
        char = text[i]
        if char == '"':
            return "".join(chars), i + 1
        # Only \" and \\ are escapes in practice: Windows paths ("C:\Users\x.pdf") keep their backslashes
        # so that the path can be stripped later.
        if char == "\\" and i + 1 < n and text[i + 1] in '"\\':
            chars.append(text[i + 1])
            i += 2
            continue
        chars.append(char)
        i += 1
    return "".join(chars), n


def _combine_sections(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Apply RFC 2231: join `name*0*`, `name*1`… sections and decode `charset'lang'%xx` values."""
    plain: dict[str, str] = {}
    sections: dict[str, dict[int, tuple[str, bool]]] = {}
    for name, value in pairs:
        match = _SECTION_NAME.match(name)
        if not match or (match["index"] is None and not match["extended"]):
            plain.setdefault(name, value)
            continue
        index = int(match["index"] or 0)
        sections.setdefault(match["base"].strip(), {}).setdefault(index, (value, bool(match["extended"])))
    combined = dict(plain)
    for base, parts in sections.items():
        # An RFC 2231 value is the more precise one: it wins over a plain parameter of the same name,
        # which mailers add only for readers that do not know RFC 2231.
        combined[base] = _join_sections(parts)
    return combined


def _join_sections(parts: dict[int, tuple[str, bool]]) -> str:
    charset = None
    octets = bytearray()
    order = sorted(parts)
    for index in order:
        value, extended = parts[index]
        raw = value.encode("utf-8", "surrogateescape")
        if extended:
            # Only the first section names the charset (and language): charset'language'text.
            if index == order[0] and raw.count(b"'") >= 2:
                declared, _language, raw = raw.split(b"'", 2)
                charset = declared.decode("ascii", "replace") or None
            octets += unquote_to_bytes(raw)
        else:
            octets += raw
    return decode_bytes(bytes(octets), charset)[0]
