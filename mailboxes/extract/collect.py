"""Walking the MIME tree: which parts are documents, which are the body text, what was repaired.

The rules, in order, for a part that is not a container:

* A part with a file name is an attachment, whatever its disposition or type: named inline images,
  an inline PDF or a text/calendar invitation with a name are all files the sender meant to send.
* A part marked `Content-Disposition: attachment` is an attachment even without a name; it gets one
  (`attachment-1.pdf`, the extension from the sniffed type).
* Unnamed text/plain and text/html parts are the body.
* Unnamed parts with a Content-ID, or inside multipart/related after its first (root) part, are
  resources the HTML body draws (signature logos, pictures in the text): not attachments.
* Unnamed report and signature parts (delivery status, rfc822 headers, detached signatures) are not
  documents and are skipped; any other unnamed part (a scanner's bare application/pdf) is an attachment.

Forwarded mails (message/rfc822) are opened at any depth: their attachments are listed with `origin`
set, and the enclosed .eml itself is not listed, named or not: it would only duplicate them, and the
caller keeps the raw mail anyway. Outlook's winmail.dat is unpacked into the files it holds.
"""

from dataclasses import dataclass, field

from intake.files import is_graphic, sha256_hex, sniff_content_type
from mailboxes.extract.charsets import decode_bytes
from mailboxes.extract.headers import decode_text_header
from mailboxes.extract.html_text import html_to_text
from mailboxes.extract.model import ExtractedAttachment
from mailboxes.extract.names import display_name, generated_name, raw_file_name
from mailboxes.extract.params import parse_structured_header
from mailboxes.extract.parts import MESSAGE, MULTIPART, MimePart
from mailboxes.extract.tnef import TnefError, looks_like_tnef, unpack_tnef
from mailboxes.extract.transfer import Decoded, decode_transfer, normalize_encoding

ORIGIN_SEPARATOR = " \u203a "  # single right-pointing angle quotation mark between nesting levels
TNEF_ORIGIN = "winmail.dat"
_BODY_TYPES = ("text/plain", "text/html")
_FORWARDED_TYPES = ("message/rfc822", "message/global")
_SKIPPED_WHEN_UNNAMED = frozenset(
    {
        "text/rfc822-headers",
        "application/pgp-signature",
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
    }
)
_MAX_SUBJECT_IN_ORIGIN = 120


@dataclass
class Collected:
    """What the walk found: attachments in mail order, the body text, and notes on repairs."""

    attachments: list[ExtractedAttachment] = field(default_factory=list)
    text: str = ""
    defects: list[str] = field(default_factory=list)


def collect(root: MimePart) -> Collected:
    """Attachments, body text and defect notes of the mail whose MIME tree is `root`."""
    walker = _Walker()
    walker.visit(root, "", wants_text=True, parent_type="", position=0)
    if walker.plain:
        text = "\n\n".join(filter(None, (_normalize_newlines(plain).strip() for plain in walker.plain)))
    else:
        text = html_to_text("\n".join(walker.html)) if walker.html else ""
    return Collected(walker.attachments, text, list(dict.fromkeys(walker.defects)))


class _Walker:
    def __init__(self) -> None:
        self.attachments: list[ExtractedAttachment] = []
        self.defects: list[str] = []
        self.plain: list[str] = []
        self.html: list[str] = []
        self.unnamed_count = 0

    def visit(
        self, part: MimePart, origin: str, *, wants_text: bool, parent_type: str, position: int
    ) -> None:
        for defect in part.defects:
            self.note(origin, defect)
        if part.kind == MULTIPART:
            preferred = _preferred_alternative(part) if part.content_type == "multipart/alternative" else None
            for index, child in enumerate(part.children):
                wanted = wants_text and preferred in (None, index)
                self.visit(child, origin, wants_text=wanted, parent_type=part.content_type, position=index)
        elif part.kind == MESSAGE:
            if part.content_type in _FORWARDED_TYPES and part.children:
                enclosed = part.children[0]
                subject = _shorten(decode_text_header(enclosed.header("subject")))
                label = f"forwarded: {subject or '(no subject)'}"
                self.visit(enclosed, _join(origin, label), wants_text=False, parent_type="", position=0)
        else:
            self.leaf(part, origin, wants_text=wants_text, parent_type=parent_type, position=position)

    def leaf(self, part: MimePart, origin: str, *, wants_text: bool, parent_type: str, position: int) -> None:
        name = raw_file_name(part)
        disposition = parse_structured_header(part.header("content-disposition")).value
        if not name and disposition != "attachment":
            if part.content_type in _BODY_TYPES or part.content_type.startswith("multipart/"):
                # (A multipart leaf is one whose parts could not be found: its body is best read as text.)
                if wants_text:
                    self.body_text(part, origin)
                return
            if part.header("content-id") is not None or (parent_type == "multipart/related" and position > 0):
                return  # drawn by the HTML body (a logo, a picture in the text), not a document
            if part.content_type in _SKIPPED_WHEN_UNNAMED or part.content_type.startswith("message/"):
                return
        is_inline = disposition == "inline" or (not disposition and part.header("content-id") is not None)
        decoded = _decode_body(part)
        if looks_like_tnef(part.content_type, display_name(name), decoded.data) and not decoded.unreadable:
            try:
                files = unpack_tnef(decoded.data)
            except TnefError as error:
                decoded = Decoded(decoded.data, decoded.note, f"winmail.dat could not be unpacked: {error}")
            else:
                tnef_origin = _join(origin, TNEF_ORIGIN)
                if decoded.note:
                    self.note(origin, f"attachment {TNEF_ORIGIN}: {decoded.note}")
                if not files:
                    self.note(origin, "winmail.dat holds no files")
                for file in files:
                    file_origin = _join(tnef_origin, *file.path)
                    self.add(file.name, file.data, file.declared_type, file_origin, file.is_inline)
                return
        self.add(name, decoded.data, part.content_type, origin, is_inline, decoded)

    def body_text(self, part: MimePart, origin: str) -> None:
        decoded = _decode_body(part)
        charset = parse_structured_header(part.header("content-type")).params.get("charset")
        text, charset_note = decode_bytes(decoded.data, charset)
        for problem in (decoded.note, decoded.unreadable, charset_note):
            if problem:
                self.note(origin, f"text body: {problem}")
        (self.html if part.content_type == "text/html" else self.plain).append(text)

    def add(
        self,
        raw_name: str,
        data: bytes,
        declared_type: str,
        origin: str,
        is_inline: bool,
        decoded: Decoded | None = None,
    ) -> None:
        sniffed_type = sniff_content_type(data)
        name = display_name(raw_name)
        if not name:
            self.unnamed_count += 1
            name = generated_name(self.unnamed_count, sniffed_type, declared_type)
        if decoded is not None and decoded.note:
            self.note(origin, f"attachment {name}: {decoded.note}")
        self.attachments.append(
            ExtractedAttachment(
                display_name=name,
                data=data,
                size=len(data),
                sha256=sha256_hex(data),
                declared_type=declared_type,
                sniffed_type=sniffed_type,
                is_graphic=is_graphic(sniffed_type),
                is_inline=is_inline,
                origin=origin,
                unreadable_reason=decoded.unreadable if decoded is not None else "",
            )
        )

    def note(self, origin: str, defect: str) -> None:
        self.defects.append(f"{origin}: {defect}" if origin else defect)


def _decode_body(part: MimePart) -> Decoded:
    encoding = normalize_encoding(part.header("content-transfer-encoding"))
    return decode_transfer(part.source, part.body_start, part.body_end, encoding)


def _preferred_alternative(part: MimePart) -> int | None:
    """The text/plain alternative if there is one (the body text is taken from it alone), else None."""
    for index, child in enumerate(part.children):
        if child.kind != MULTIPART and child.content_type == "text/plain" and not raw_file_name(child):
            return index
    return None


def _normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _join(origin: str, *labels: str) -> str:
    return ORIGIN_SEPARATOR.join(label for label in (origin, *labels) if label)


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_SUBJECT_IN_ORIGIN else text[: _MAX_SUBJECT_IN_ORIGIN - 1].rstrip() + "…"
