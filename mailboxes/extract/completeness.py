"""Is a file whole? The formats invoices arrive in end with a marker; a file cut off in transit (a mail
truncated by a server, a base64 body that stops early) lacks it."""

from mailboxes.extract.notes import Note, note

# How far from the end the marker may sit: writers append padding, incremental PDF updates, metadata.
_TAIL = 4096


def incomplete_reason(sniffed_type: str, data: bytes) -> Note | str:
    """Why the file looks cut off, or "" when it looks whole (or its format has no end marker)."""
    tail = data[-_TAIL:]
    if sniffed_type == "application/pdf" and b"%%EOF" not in tail and data.rfind(b"%%EOF") == -1:
        return note("extract.pdf_incomplete")
    # Phones append megabytes after a JPEG's end (Samsung's trailers, motion photos): look anywhere.
    if sniffed_type == "image/jpeg" and data.rfind(b"\xff\xd9") == -1:
        return note("extract.jpeg_incomplete")
    if sniffed_type == "image/png" and b"IEND" not in tail:
        return note("extract.png_incomplete")
    if sniffed_type == "image/gif" and not data.rstrip(b"\x00").endswith(b"\x3b"):
        return note("extract.gif_incomplete")
    if sniffed_type == "application/zip" and b"PK\x05\x06" not in data[-(65536 + 22) :]:
        return note("extract.zip_incomplete")
    return ""
