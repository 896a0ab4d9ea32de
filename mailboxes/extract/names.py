"""Attachment file names: where to find them, how to decode them, what to call a file without one."""

import mimetypes

from intake.files import safe_display_name
from mailboxes.extract.headers import decode_words
from mailboxes.extract.params import parse_structured_header
from mailboxes.extract.parts import MimePart

# Sniffed types that say nothing about the file: the declared type is the better hint for an extension.
_VAGUE_TYPES = frozenset({"application/octet-stream", "application/x-empty", "text/plain", ""})
# mimetypes knows several extensions for these and does not pick the one people expect.
_PREFERRED_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/tiff": ".tif",
    "text/plain": ".txt",
    "application/xml": ".xml",
    "text/xml": ".xml",
    "message/rfc822": ".eml",
    "application/vnd.ms-outlook": ".msg",
    "application/vnd.ms-tnef": ".dat",
    "application/ms-tnef": ".dat",
}


def raw_file_name(part: MimePart) -> str:
    """The name the sender gave the part, decoded; "" if none.

    Content-Disposition `filename` first, then Content-Type `name` (many mailers only set that one),
    then the `filename` some put on Content-Type and the `name` some put on Content-Disposition.
    RFC 2231 is decoded by the parameter parser; RFC 2047 words (even inside quotes, as Outlook writes
    them) and raw 8-bit text are decoded here.
    """
    disposition = parse_structured_header(part.header("content-disposition")).params
    content_type = parse_structured_header(part.header("content-type")).params
    candidates = (
        disposition.get("filename"),
        content_type.get("name"),
        content_type.get("filename"),
        disposition.get("name"),
    )
    for candidate in candidates:
        if candidate and candidate.strip():
            # Inner runs of spaces are kept: unlike in a subject, they may really be in the name.
            return decode_words(candidate).strip()
    return ""


def display_name(raw_name: str) -> str:
    """The decoded name made safe to show (no paths, no control characters, sensible length); "" if
    nothing usable is left."""
    return safe_display_name(raw_name, fallback="") if raw_name else ""


def generated_name(number: int, sniffed_type: str, declared_type: str) -> str:
    """`attachment-<n>.<ext>` for a file sent without a name, the extension from what the bytes are."""
    return f"attachment-{number}{extension_for(sniffed_type, declared_type)}"


def extension_for(sniffed_type: str, declared_type: str) -> str:
    """The extension for a file whose bytes sniff as `sniffed_type` and whose sender said `declared_type`."""
    best_type = sniffed_type
    if sniffed_type in _VAGUE_TYPES and declared_type not in _VAGUE_TYPES - {"text/plain"}:
        best_type = declared_type  # e.g. sniffed as plain text, declared text/calendar
    return _PREFERRED_EXTENSIONS.get(best_type) or mimetypes.guess_extension(best_type) or ".bin"
