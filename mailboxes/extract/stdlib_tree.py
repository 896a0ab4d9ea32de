"""The fallback: the standard library's parser, for mail the fast path will not vouch for.

compat32 rather than policy.default: the structure it finds is the same (one feed parser serves both),
but compat32 keeps header values raw instead of building header objects that can raise on garbage.
Its tree is converted into our MimePart tree so that everything after parsing is shared.
"""

from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from io import BytesIO

from mailboxes.extract.parts import (
    DEFECT_NOTES,
    MAX_DEPTH,
    MESSAGE,
    MULTIPART,
    TOO_DEEP,
    MimePart,
)
from mailboxes.extract.transfer import decode_transfer, normalize_encoding


def parse_with_stdlib(raw: bytes) -> MimePart:
    """The MIME tree of `raw` as the standard library's (tolerant, slower) parser reads it."""
    return _convert(BytesParser(policy=compat32).parsebytes(raw), 0)


def _convert(message: Message, depth: int) -> MimePart:
    content_type = message.get_content_type()
    part = MimePart(list(message.raw_items()), content_type)
    part.defects = [DEFECT_NOTES[name] for name in _defect_names(message) if name in DEFECT_NOTES]
    # The parser keeps the body as text decoded from ASCII with surrogate escapes; the private attribute
    # is the only way to it that does not re-decode 8-bit bytes with the declared charset (get_payload
    # does), and encoding it back gives exactly the bytes of the mail.
    payload = message._payload
    if not isinstance(payload, list):
        part.source = (payload or "").encode("ascii", "surrogateescape")
        part.body_end = len(part.source)
        return part
    if content_type == "message/delivery-status":
        return part  # parsed into header blocks we have no use for: an empty leaf
    if depth >= MAX_DEPTH:
        part.defects.append(TOO_DEEP)  # kept as one opaque part, listed with the problem
        part.source = _body_bytes(message)
        part.body_end = len(part.source)
        return part
    if content_type.startswith("message/"):
        part.kind = MESSAGE
        part.children = [_enclosed_message(part, payload, depth)] if payload else []
    else:
        part.kind = MULTIPART
        part.children = [_convert(child, depth + 1) for child in payload]
    return part


def _enclosed_message(part: MimePart, payload: list, depth: int) -> MimePart:
    # The raw header value: Message.get would hand back a Header object for a value with 8-bit bytes.
    encoding = normalize_encoding(part.header("content-transfer-encoding"))
    if encoding not in ("base64", "quoted-printable"):
        return _convert(payload[0], depth + 1)
    # The parser read the still-encoded text as if it were a message; write that back out, decode it and
    # parse the real message inside.
    buffer = BytesIO()
    try:
        BytesGenerator(buffer, mangle_from_=False, maxheaderlen=0).flatten(payload[0])
    except Exception:  # the generator chokes on some garbage; then read what the parser made of it
        return _convert(payload[0], depth + 1)
    encoded = buffer.getvalue()
    decoded = decode_transfer(encoded, 0, len(encoded), encoding).data
    return _convert(BytesParser(policy=compat32).parsebytes(decoded), depth + 1)


def _body_bytes(message: Message) -> bytes:
    buffer = BytesIO()
    try:
        BytesGenerator(buffer, mangle_from_=False, maxheaderlen=0).flatten(message)
    except Exception:  # the generator chokes on some garbage; the raw mail keeps everything anyway
        return b""
    flattened = buffer.getvalue()
    for separator in (b"\n\n", b"\r\n\r\n"):
        if (end := flattened.find(separator)) != -1:
            return flattened[end + len(separator) :]
    return b""


def _defect_names(message: Message) -> list[str]:
    # One note per kind of problem and part, as the fast path reports them.
    return list(dict.fromkeys(type(defect).__name__ for defect in message.defects))
