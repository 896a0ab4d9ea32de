"""Is a file whole? The formats invoices arrive in end with a marker; a file cut off in transit (a mail
truncated by a server, a base64 body that stops early) lacks it."""

from mailboxes.extract.notes import Note, note

# How far from the end the marker may sit: writers append padding, incremental PDF updates, metadata.
_TAIL = 4096
_ZIP_TAIL = 65536 + 22  # a ZIP's end record sits within its comment's length of the end
TAIL_KEPT = _ZIP_TAIL  # what a streamed file keeps of its end to be judged (streaming.py)


def incomplete_reason(sniffed_type: str, data: bytes) -> Note | str:
    """Why the file looks cut off, or "" when it looks whole (or its format has no end marker)."""
    return reason_from(
        sniffed_type,
        data[-_ZIP_TAIL:],
        lambda marker: data.rfind(marker) != -1,
        lambda: data.rstrip(b"\x00")[-1:],
    )


def reason_from(sniffed_type: str, tail: bytes, contains, last_non_nul) -> Note | str:
    """incomplete_reason from what is known of a file: its last TAIL_KEPT bytes, `contains(marker)` for
    a marker anywhere in it, and `last_non_nul()`, its last byte that is not NUL (b"" for none)."""
    if sniffed_type == "application/pdf" and b"%%EOF" not in tail[-_TAIL:] and not contains(b"%%EOF"):
        return note("extract.pdf_incomplete")
    # Phones append megabytes after a JPEG's end (Samsung's trailers, motion photos): look anywhere.
    if sniffed_type == "image/jpeg" and not contains(b"\xff\xd9"):
        return note("extract.jpeg_incomplete")
    if sniffed_type == "image/png" and b"IEND" not in tail[-_TAIL:]:
        return note("extract.png_incomplete")
    if sniffed_type == "image/gif" and last_non_nul() != b"\x3b":
        return note("extract.gif_incomplete")
    if sniffed_type == "application/zip" and b"PK\x05\x06" not in tail:
        return note("extract.zip_incomplete")
    return ""
