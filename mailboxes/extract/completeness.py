"""Is a file whole? The formats invoices arrive in end with a marker; a file cut off in transit (a mail
truncated by a server, a base64 body that stops early) lacks it."""

from mailboxes.extract.model import gettext_noop

# How far from the end the marker may sit: writers append padding, incremental PDF updates, metadata.
_TAIL = 4096


def incomplete_reason(sniffed_type: str, data: bytes) -> str:
    """Why the file looks cut off, or "" when it looks whole (or its format has no end marker)."""
    tail = data[-_TAIL:]
    if sniffed_type == "application/pdf" and b"%%EOF" not in tail and data.rfind(b"%%EOF") == -1:
        return gettext_noop("the PDF is incomplete: its end is missing")
    # Phones append megabytes after a JPEG's end (Samsung's trailers, motion photos): look anywhere.
    if sniffed_type == "image/jpeg" and data.rfind(b"\xff\xd9") == -1:
        return gettext_noop("the JPEG picture is incomplete: its end is missing")
    if sniffed_type == "image/png" and b"IEND" not in tail:
        return gettext_noop("the PNG picture is incomplete: its end is missing")
    if sniffed_type == "image/gif" and not data.rstrip(b"\x00").endswith(b"\x3b"):
        return gettext_noop("the GIF picture is incomplete: its end is missing")
    if sniffed_type == "application/zip" and b"PK\x05\x06" not in data[-(65536 + 22) :]:
        return gettext_noop("the ZIP archive is incomplete: its directory is missing")
    return ""
