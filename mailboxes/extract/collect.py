"""Walking the MIME tree: which parts are documents, which are the body text, what was repaired.

The rules, in order, for a part that is not a container:

* A part with a file name is an attachment, whatever its disposition or type: named inline images,
  an inline PDF or a text/calendar invitation with a name are all files the sender meant to send.
* A part marked `Content-Disposition: attachment` is an attachment even without a name; it gets one
  (`attachment-1.pdf`, the extension from the sniffed type).
* Unnamed text/plain and text/html parts are the body; uuencoded files inside a plain body come out,
  also from bodies that are not the mail's text (a forwarded mail's).
* Pictures an HTML body draws (referenced by `cid:` from any HTML part, also the alternative not used
  for the text, or unnamed inside multipart/related) are listed as pictures in the text, not
  documents; so are signature files and Mac resource forks.
* Unnamed report parts (delivery status, rfc822 headers) are not files and are skipped; any other
  unnamed part (a scanner's bare application/pdf) is an attachment.

Forwarded mails (message/rfc822, or an .eml sent as application/octet-stream) are opened at any depth:
their attachments are listed with `origin` set, and the enclosed .eml itself is not listed. File
containers (winmail.dat, ZIP, Outlook .msg, S/MIME) are listed, followed by the files inside them: see
containers.py. Signed and encrypted multiparts: see signed.py.
"""

import re
from dataclasses import dataclass, field

from intake.files import is_graphic, sha256_hex, sniff_content_type
from mailboxes.extract.charsets import decode_bytes
from mailboxes.extract.completeness import incomplete_reason
from mailboxes.extract.containers import CMS_TYPES, Found, open_file, opens
from mailboxes.extract.headers import decode_text_header
from mailboxes.extract.html_text import html_to_text
from mailboxes.extract.model import (
    CONTAINER,
    DOCUMENT,
    ENCRYPTED,
    ENCRYPTED_DETAIL,
    PICTURE_IN_TEXT,
    RESOURCE_FORK,
    SIGNATURE,
    TOO_DEEP,
    TRUNCATED,
    UNREADABLE,
    ExtractedAttachment,
    join,
)
from mailboxes.extract.names import display_name, generated_name, raw_file_name
from mailboxes.extract.notes import Note, located, mentions, note
from mailboxes.extract.params import parse_structured_header
from mailboxes.extract.parts import CUT_OFF, DEFECT_NOTES, MAIL_ENDS_INSIDE, MESSAGE, MULTIPART, MimePart
from mailboxes.extract.parts import TOO_DEEP as TOO_DEEP_NOTE
from mailboxes.extract.signed import SIGNATURE_TYPES, signature_state, visit_secured
from mailboxes.extract.streaming import STREAM_FROM, Spooled, spool_base64
from mailboxes.extract.transfer import BASE64_TRUNCATED, Decoded, decode_body, normalize_encoding
from mailboxes.extract.uuencoded import begin_line_name, split_uuencoded

_BODY_TYPES = ("text/plain", "text/html")
_FORWARDED_TYPES = ("message/rfc822", "message/global")
_SKIPPED_WHEN_UNNAMED = frozenset({"text/rfc822-headers"})
_RESOURCE_FORK_TYPES = frozenset({"application/applefile"})
_MAX_SUBJECT_IN_ORIGIN = 120
_CID_REFERENCE = re.compile(rb"""cid:([^"'\s>)]+)""", re.IGNORECASE)
_UNCLOSED = DEFECT_NOTES["CloseBoundaryNotFoundDefect"]


@dataclass
class Collected:
    """What the walk found: attachments in mail order, the body text, notes on repairs, the signature."""

    attachments: list[ExtractedAttachment] = field(default_factory=list)
    text: str = ""
    defects: list[Note] = field(default_factory=list)
    signature: str = ""
    signature_detail: Note | str = ""
    unreadable_reason: Note | str = ""


def collect(root: MimePart, raw: bytes = b"", spool=None) -> Collected:
    """Attachments, body text and defect notes of the mail whose MIME tree is `root` (read from `raw`).
    With `spool`, large base64 files are decoded into files it opens (streaming.py)."""
    walker = Walker(raw, spool)
    walker.visit(root, "", wants_text=True)
    walker.mark_pictures_in_text()
    if walker.plain:
        text = "\n\n".join(filter(None, (_normalize_newlines(plain).strip() for plain in walker.plain)))
    else:
        text = html_to_text("\n".join(walker.html)) if walker.html else ""
    found = Collected(walker.attachments, text, list(dict.fromkeys(walker.defects)), *walker.signature)
    if not text and _only_encrypted(found.attachments):
        found.unreadable_reason = ENCRYPTED_DETAIL
    return found


class Walker:
    def __init__(self, raw: bytes, spool=None) -> None:
        self.raw = raw
        self.spool = spool
        self.attachments: list[ExtractedAttachment] = []
        self.content_ids: dict[int, str] = {}  # attachment index -> its Content-ID
        self.defects: list[Note] = []
        self.plain: list[str] = []
        self.html: list[str] = []
        self.drawn: set[str] = set()  # Content-IDs the HTML bodies refer to (cid:), lower-case
        self.unnamed_count = 0
        self.depth = 0  # file containers opened around the current position
        self.signature: tuple[str, Note | str] = ("", "")

    def visit(
        self, part: MimePart, origin: str, *, wants_text: bool, parent_type: str = "", position: int = 0
    ) -> None:
        for defect in part.defects:
            self.note(origin, defect)
        if TOO_DEEP_NOTE in part.defects:
            data = part.source[part.body_start : part.body_end]
            self.add("", data, part.content_type, origin, problem=TOO_DEEP, detail=TOO_DEEP_NOTE)
        elif part.kind == MULTIPART:
            self.multipart(part, origin, wants_text)
        elif part.kind == MESSAGE:
            if part.content_type in _FORWARDED_TYPES and part.children:
                self.forwarded(part.children[0], origin)
        else:
            self.leaf(part, origin, wants_text=wants_text, parent_type=parent_type, position=position)

    def multipart(self, part: MimePart, origin: str, wants_text: bool) -> None:
        if _UNCLOSED in part.defects and part.children and part.children[-1].kind != MULTIPART:
            part.children[-1].defects.append(CUT_OFF)  # the mail ends inside this part
        if part.content_type in ("multipart/signed", "multipart/encrypted"):
            visit_secured(self, part, origin, wants_text)
            return
        preferred = _preferred_alternative(part) if part.content_type == "multipart/alternative" else None
        for index, child in enumerate(part.children):
            wanted = wants_text and preferred in (None, index)
            self.visit(child, origin, wants_text=wanted, parent_type=part.content_type, position=index)

    def forwarded(self, enclosed: MimePart, origin: str) -> None:
        subject = _shorten(decode_text_header(enclosed.header("subject")))
        self.visit(enclosed, join(origin, f"forwarded: {subject or '(no subject)'}"), wants_text=False)

    def leaf(self, part: MimePart, origin: str, *, wants_text: bool, parent_type: str, position: int) -> None:
        name = raw_file_name(part) or _uuencoded_name(part)
        disposition = parse_structured_header(part.header("content-disposition")).value
        content_id = part.header("content-id")
        role = DOCUMENT
        if not name and disposition != "attachment":
            if part.content_type in _BODY_TYPES or part.content_type.startswith("multipart/"):
                # (A multipart leaf is one whose parts could not be found: its body is best read as text.)
                self.body_text(part, origin, wants_text)
                return
            if part.content_type in _SKIPPED_WHEN_UNNAMED or part.content_type.startswith("message/"):
                return
            if content_id is not None or (parent_type == "multipart/related" and position > 0):
                role = PICTURE_IN_TEXT  # drawn by the HTML body (a logo, a picture in the text)
        if part.content_type in _RESOURCE_FORK_TYPES:
            role = RESOURCE_FORK
        elif part.content_type in SIGNATURE_TYPES:
            role = SIGNATURE
        is_inline = disposition == "inline" or (not disposition and content_id is not None)
        cut_off = CUT_OFF in part.defects
        if role == DOCUMENT and (spooled := self.spooled(part, name, origin, is_inline)):
            found = Found(name, b"", part.content_type, origin, is_inline, None, cut_off)
            self.add_found(found, role=role, content_id=content_id, spooled=spooled)
            return
        decoded = decode_body(part)
        found = Found(name, decoded.data, part.content_type, origin, is_inline, decoded, cut_off)
        if role == DOCUMENT and open_file(self, found, wants_text=wants_text):
            return
        self.add_found(found, role=role, content_id=content_id)

    def spooled(self, part: MimePart, name: str, origin: str, is_inline: bool) -> Spooled | None:
        """A large base64 file decoded straight into a spool file, when there is one to write to."""
        if self.spool is None or part.body_size < STREAM_FROM:
            return None
        if normalize_encoding(part.header("content-transfer-encoding")) != "base64":
            return None
        return spool_base64(
            part, self.spool, lambda head: opens(Found(name, head, part.content_type, origin))
        )

    def body_text(self, part: MimePart, origin: str, wants_text: bool) -> None:
        """A body part; one that is not the text (a forwarded mail's, an HTML alternative) still gives
        up its uuencoded files and the pictures it draws."""
        if not wants_text and part.content_type not in _BODY_TYPES:
            return
        decoded = decode_body(part)
        data = decoded.data
        if part.content_type == "text/plain":
            data, files = split_uuencoded(data)
            for file in files:
                self.add(decode_bytes(file.raw_name)[0], file.data, "", origin, note=file.note)
        elif part.content_type == "text/html":
            self.drawn.update(cid.decode("latin-1").lower() for cid in _CID_REFERENCE.findall(data))
        if not wants_text:
            return
        charset = parse_structured_header(part.header("content-type")).params.get("charset")
        text, charset_note = decode_bytes(data, charset)
        for problem in (decoded.note, decoded.unreadable, charset_note):
            if problem:
                self.note(origin, note("extract.text_body", note=problem))
        (self.html if part.content_type == "text/html" else self.plain).append(text)

    def add_found(
        self, found: Found, *, role: str = DOCUMENT, content_id=None, spooled=None, **problem
    ) -> ExtractedAttachment:
        decoded = found.decoded or Decoded(found.data)
        if decoded.unreadable and "problem" not in problem:
            problem = {"problem": UNREADABLE, "detail": decoded.unreadable}
        if found.cut_off and "problem" not in problem:
            problem = {
                "problem": TRUNCATED,
                "detail": MAIL_ENDS_INSIDE,
            }
        return self.add(
            found.name, found.data, found.declared_type, found.origin,
            is_inline=found.is_inline, role=role, note=decoded.note, content_id=content_id, spooled=spooled,
            **problem,
        )  # fmt: skip

    def add(
        self,
        raw_name: str,
        data: bytes,
        declared_type: str,
        origin: str,
        *,
        is_inline: bool = False,
        role: str = DOCUMENT,
        problem: str = "",
        detail: Note | str = "",
        note: Note | str = "",
        content_id: str | None = None,
        spooled: Spooled | None = None,
    ) -> ExtractedAttachment:
        sniffed_type = spooled.sniffed_type if spooled else sniff_content_type(data)
        name = display_name(raw_name)
        if not name:
            self.unnamed_count += 1
            name = generated_name(self.unnamed_count, sniffed_type, declared_type)
        if note:
            self.note(origin, _about(name, note))
            if mentions(note, BASE64_TRUNCATED.code) and not problem:
                problem, detail = TRUNCATED, note
        incomplete = (
            spooled.incomplete_reason if spooled else lambda sniffed: incomplete_reason(sniffed, data)
        )
        if not problem and (reason := incomplete(sniffed_type)):
            problem, detail = TRUNCATED, reason
        if problem:
            self.note(origin, _about(name, detail or problem))
        if content_id:
            self.content_ids[len(self.attachments)] = content_id.strip().strip("<>").strip()
        attachment = ExtractedAttachment(
            display_name=name,
            data=data,
            size=spooled.size if spooled else len(data),
            sha256=spooled.sha256 if spooled else sha256_hex(data),
            declared_type=declared_type,
            sniffed_type=sniffed_type,
            is_graphic=is_graphic(sniffed_type),
            is_inline=is_inline,
            origin=origin,
            role=role,
            problem=problem,
            problem_detail=detail,
            spooled=spooled.name if spooled else "",
        )
        self.attachments.append(attachment)
        return attachment

    def mark_pictures_in_text(self) -> None:
        """Images an HTML body draws by Content-ID are part of the text, not documents."""
        for index, content_id in self.content_ids.items():
            attachment = self.attachments[index]
            drawn = content_id.lower() in self.drawn and attachment.sniffed_type.startswith("image/")
            if drawn and attachment.role == DOCUMENT:
                attachment.role = PICTURE_IN_TEXT

    def record_signature(self, check, origin: str) -> None:
        """The mail's own signature (the first at its top level); signatures deeper down are noted."""
        state, detail = signature_state(check)
        if not origin and not self.signature[0]:
            self.signature = (state, detail)
        else:
            self.note(origin, note(f"extract.signature_{state}", note=detail))

    def note(self, origin: str, defect: Note) -> None:
        self.defects.append(located(origin, defect))


def _about(name: str, said) -> Note:
    """A note about attachment `name` (its name as listed: bounded, data)."""
    return note("extract.attachment", name=name, note=said)


def _only_encrypted(attachments: list[ExtractedAttachment]) -> bool:
    """Encrypted data and nothing else, but for the signatures and signed wrappers around it (a mail
    signed, then encrypted, then signed again is still one nobody here can read)."""
    kept = [a for a in attachments if a.role != SIGNATURE and not _signed_wrapper(a)]
    return bool(kept) and all(a.problem == ENCRYPTED for a in kept)


def _signed_wrapper(attachment: ExtractedAttachment) -> bool:
    # An opened S/MIME .p7m; an encrypted one carries the problem, and a ZIP is never one of these.
    is_cms = attachment.declared_type in CMS_TYPES or attachment.display_name.lower().endswith(".p7m")
    return attachment.role == CONTAINER and not attachment.problem and is_cms


def _uuencoded_name(part: MimePart) -> str:
    """An x-uuencode part's name from its `begin` line, when its headers give none."""
    if "uu" not in (part.header("content-transfer-encoding") or "").lower():
        return ""
    head = part.source[part.body_start : min(part.body_end, part.body_start + 4096)]
    return decode_bytes(begin_line_name(head).encode("latin-1"))[0]


def _preferred_alternative(part: MimePart) -> int | None:
    """The text/plain alternative if there is one (the body text is taken from it alone), else None."""
    for index, child in enumerate(part.children):
        if child.kind != MULTIPART and child.content_type == "text/plain" and not raw_file_name(child):
            return index
    return None


def _normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_SUBJECT_IN_ORIGIN else text[: _MAX_SUBJECT_IN_ORIGIN - 1].rstrip() + "…"
