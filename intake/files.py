"""File helpers shared by every app: content sniffing, the *graphic* rule, safe names and text fit to
show, storage paths.

Pure functions (no Django import at module level) so the mail extractor can use them in worker processes.
"""

import hashlib
import os
import re
import unicodedata
import uuid

import magic

# The "copy only graphic attachments" rule of ACD points: pdf, jpg, tif, png, judged by content.
GRAPHIC_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png", "image/tiff"})

# libmagic needs only the head of a file; reading more costs time and changes nothing for our types.
SNIFF_BYTES = 16 * 1024
MAX_NAME_LENGTH = 150

_magic = None
_UNSAFE = re.compile(r'[<>:"|?*]')

# Characters that change how text displays while staying invisible: bidirectional embeddings, overrides,
# isolates and marks ("faktura\u202efdp.exe" shows as "fakturaexe.pdf"), zero-width characters, the
# byte order mark, soft hyphens, tag characters that smuggle hidden text: every format character
# (Unicode category Cf), and the C0 and C1 controls.
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_INVISIBLE = re.compile(f"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f{_FORMAT}]")
# What breaks a line (str.splitlines' set) or a column: a space in one-line text.
_LINE_BREAK = re.compile("\r\n|[\t\n\x0b\x0c\r\x1c-\x1f\x85\u2028\u2029]")
_LINE_BREAK_NOT_TAB = re.compile("\r\n|[\n\x0b\x0c\r\x1c-\x1f\x85\u2028\u2029]")


def fit_to_show(text: str | None, *, keep_lines: bool = False) -> str:
    """`text` as it may be shown or put in a header: invisible controls removed, line breaks made spaces
    (with `keep_lines`, plain "\\n" line breaks and tabs, for multi-line text)."""
    text = text or ""
    if text.isascii() and text.isprintable():
        return text  # the common case costs one scan
    text = _INVISIBLE.sub("", text)
    return _LINE_BREAK_NOT_TAB.sub("\n", text) if keep_lines else _LINE_BREAK.sub(" ", text)


def bounded(text, limit: int) -> str:
    """At most `limit` characters of `text`, an ellipsis marking a cut: for text outsiders control
    (subjects, senders, reasons) wherever it is shown, however large the stored value is."""
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


# Signatures of the types invoices arrive in, checked before libmagic: they decide the *graphic* rule,
# they are unambiguous, and libmagic's full rule set costs ~0.6 ms per file, more than parsing the mail.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def _quick_sniff(data) -> str:
    head = bytes(data[:1024])
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return ""


def sniff_content_type(data: bytes) -> str:
    """The MIME type the bytes really are, never the one somebody declared."""
    global _magic
    if not data:
        return "application/x-empty"
    quick = _quick_sniff(data)
    if quick:
        return quick
    if _magic is None:
        # One handle per process: opening libmagic's database is far slower than a lookup.
        _magic = magic.Magic(mime=True)
    return _magic.from_buffer(bytes(data[:SNIFF_BYTES])) or "application/octet-stream"


def is_graphic(content_type: str) -> bool:
    return content_type in GRAPHIC_TYPES


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def safe_display_name(name: str | None, *, fallback: str = "attachment") -> str:
    """A file name fit to show and to offer as a download name.

    Drops any directory part (POSIX or Windows), invisible controls (bidirectional overrides, zero-width
    characters: see fit_to_show; line breaks become spaces) and characters Windows refuses, and shortens
    very long names while keeping the extension. The result is for display only: stored files always
    get names the portal generates.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", fit_to_show(name)).strip().strip(".").strip()
    if not name:
        return fallback
    if len(name) > MAX_NAME_LENGTH:
        stem, ext = os.path.splitext(name)
        if len(ext) > 16:  # not a real extension, just a dot somewhere in a long name
            stem, ext = name, ""
        name = stem[: MAX_NAME_LENGTH - len(ext)].rstrip() + ext
    return name


# Extensions we give stored files, from the sniffed type; anything else is stored without one.
EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/tiff": ".tif",
    "image/gif": ".gif",
    "application/xml": ".xml",
    "text/xml": ".xml",
    "text/plain": ".txt",
    "application/zip": ".zip",
}


def tenant_storage_path(tenant_id: int, area: str, content_type: str = "") -> str:
    """A fresh storage name under the tenant's prefix: `tenants/<id>/<area>/<2 hex>/<uuid><ext>`.

    The name never contains anything the sender chose, so no upload can collide, traverse or mislead.
    """
    token = uuid.uuid4().hex
    return f"tenants/{int(tenant_id)}/{area}/{token[:2]}/{token}{EXTENSIONS.get(content_type, '')}"
