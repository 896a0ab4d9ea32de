"""File containers inside mail: what is opened, and how its files join the mail's attachments.

Opened (the container is listed with role CONTAINER, its files follow it with `origin` set):
    winmail.dat (TNEF)   by type, name or signature; origin "winmail.dat"
    Outlook .msg         by type, name or content; origin "<name>.msg", embedded messages below it
    ZIP archives         not OOXML/ODF documents; origin "inside <name>"; bombs refused (archives.py)
    S/MIME .p7m          signed-data is opened as if it were the mail; encrypted data is kept as is
    forwarded mail       an .eml sent as application/octet-stream (or unnamed, or under a name that
                         says no type, never "notes.txt"): opened like message/rfc822

Every container is bounded by MAX_OPENED_DEPTH (containers inside containers); below it a container is
listed with the problem "too deep" and not opened. A container that cannot be opened is listed with
the reason; nothing inside a mail is dropped without a word.
"""

import mimetypes
from contextlib import contextmanager
from dataclasses import dataclass

from mailboxes.extract.archives import ArchiveLimits, looks_like_zip_archive, open_zip_archive
from mailboxes.extract.model import (
    CONTAINER,
    ENCRYPTED,
    ENCRYPTED_DETAIL,
    TOO_DEEP,
    TRUNCATED,
    UNREADABLE,
    join,
)
from mailboxes.extract.names import display_name
from mailboxes.extract.notes import joined, note
from mailboxes.extract.outlook_msg import MsgError, looks_like_msg, unpack_msg
from mailboxes.extract.smime import (
    SmimeError,
    cms_kind,
    open_signed_data,
)
from mailboxes.extract.structure import looks_like_mail, parse_structure
from mailboxes.extract.tnef import TnefError, is_cut_off, looks_like_tnef, unpack_tnef
from mailboxes.extract.transfer import Decoded

MAX_OPENED_DEPTH = 8
TNEF_ORIGIN = "winmail.dat"
_GENERIC_TYPES = frozenset({"application/octet-stream", "application/x-message", "text/plain", ""})
CMS_TYPES = frozenset({"application/pkcs7-mime", "application/x-pkcs7-mime"})
_ENCRYPTED_KINDS = frozenset({"enveloped-data", "authenticated-enveloped-data", "encrypted-data"})
ARCHIVE_LIMITS = ArchiveLimits()


@dataclass
class Found:
    """A file found somewhere in the mail, before it is listed."""

    name: str
    data: bytes
    declared_type: str
    origin: str
    is_inline: bool = False
    decoded: Decoded | None = None
    cut_off: bool = False


def open_file(walker, found: Found, *, wants_text: bool = False, archives: bool = True) -> bool:
    """List `found` with its contents if it is a container; False when it is a plain file."""
    if found.decoded is not None and found.decoded.unreadable:
        return False
    opener = _opener(found, archives)
    if opener is None:
        return False
    if walker.depth >= MAX_OPENED_DEPTH:
        detail = note("extract.containers_too_deep", count=MAX_OPENED_DEPTH)
        walker.add_found(found, role=CONTAINER, problem=TOO_DEEP, detail=detail)
        return True
    with _deeper(walker):
        opener(walker, found, wants_text)
    return True


def opens(found: Found) -> bool:
    """Whether open_file would open `found` as a container (judged from what its data holds)."""
    return _opener(found, True) is not None


def _opener(found: Found, archives: bool):
    name, data, declared = found.name.lower(), found.data, found.declared_type
    if looks_like_tnef(declared, display_name(found.name), data):
        return _open_tnef
    if declared in CMS_TYPES or name.endswith((".p7m", ".p7c")):
        return _open_cms
    if looks_like_msg(declared, name, data):
        return _open_msg
    if archives and looks_like_zip_archive(declared, name, data):
        return _open_zip
    if declared in _GENERIC_TYPES and _may_be_mail(name, declared) and looks_like_mail(data):
        return _open_forwarded
    return None


def _may_be_mail(name: str, declared: str) -> bool:
    """An .eml, or an unnamed file, or one whose name says nothing about its type: "notes.txt" that
    starts with "From:" is a text file, and opening it as a mail would hide it."""
    if name.endswith(".eml"):
        return True
    return declared != "text/plain" and (not name or mimetypes.guess_type(name)[0] is None)


@contextmanager
def _deeper(walker):
    walker.depth += 1
    try:
        yield
    finally:
        walker.depth -= 1


def _open_tnef(walker, found: Found, wants_text: bool) -> None:
    try:
        files = unpack_tnef(found.data)
    except TnefError as error:
        detail = note("extract.tnef_unreadable", note=error.note)
        walker.add_found(found, role=CONTAINER, problem=UNREADABLE, detail=detail)
        return
    if not files:
        detail = note("extract.tnef_no_files")
        walker.add_found(found, role=CONTAINER, problem=UNREADABLE, detail=detail)
        return
    # A cut-off winmail.dat still gives files (tnefparse keeps what is there, or reads an empty one): the
    # operator must hear it, and the winmail.dat itself is what can be downloaded for a closer look.
    if is_cut_off(found.data) or any(not file.data for file in files):
        detail = note("extract.tnef_cut_off")
        walker.add_found(found, role=CONTAINER, problem=TRUNCATED, detail=detail)
    else:
        walker.add_found(found, role=CONTAINER)
    for file in files:
        inner = Found(
            file.name,
            file.data,
            file.declared_type,
            join(found.origin, TNEF_ORIGIN, *file.path),
            file.is_inline,
        )
        if not file.data:
            walker.add_found(inner, problem=TRUNCATED, detail=note("extract.tnef_member_empty"))
        else:
            _add_file(walker, inner)


def _open_msg(walker, found: Found, wants_text: bool) -> None:
    try:
        contents = unpack_msg(found.data)
    except MsgError as error:
        detail = note("extract.msg_unreadable", note=error.note)
        walker.add_found(found, role=CONTAINER, problem=UNREADABLE, detail=detail)
        return
    # The origin names the container as it is listed (an unnamed one gets a generated name).
    origin = join(found.origin, walker.add_found(found, role=CONTAINER).display_name)
    for said in contents.notes:
        walker.note(origin, said)
    for file in contents.files:
        _add_file(
            walker, Found(file.name, file.data, file.declared_type, join(origin, *file.path), file.is_inline)
        )


def _open_zip(walker, found: Found, wants_text: bool) -> None:
    opened = open_zip_archive(found.data, ARCHIVE_LIMITS)
    if opened.notes and not opened.members:
        walker.add_found(found, role=CONTAINER, problem=UNREADABLE, detail=joined(*opened.notes))
        return
    origin = join(found.origin, f"inside {walker.add_found(found, role=CONTAINER).display_name}")
    for said in opened.notes:
        walker.note(origin, said)
    for member in opened.members:
        inner = Found(member.name, member.data, "", join(origin, *member.path))
        if member.problem:
            walker.add_found(inner, problem=member.problem, detail=member.detail)
        elif looks_like_zip_archive("", member.name.lower(), member.data):
            walker.add_found(inner, role=CONTAINER)  # opened by the archive reader, its files follow
        else:
            _add_file(walker, inner, archives=False)


def _open_cms(walker, found: Found, wants_text: bool) -> None:
    kind = cms_kind(found.data)
    if kind in _ENCRYPTED_KINDS:
        walker.add_found(found, role=CONTAINER, problem=ENCRYPTED, detail=ENCRYPTED_DETAIL)
        return
    try:
        content, check = open_signed_data(found.data)
    except SmimeError as error:
        walker.add_found(found, problem=UNREADABLE, detail=note("extract.smime_unreadable", note=error.note))
        return
    walker.add_found(found, role=CONTAINER)
    walker.record_signature(check, found.origin)
    # The signed content is a MIME entity: read it as if it were the mail (or the part) itself.
    walker.visit(parse_structure(content), found.origin, wants_text=wants_text)


def _open_forwarded(walker, found: Found, wants_text: bool) -> None:
    walker.forwarded(parse_structure(found.data), found.origin)


def _add_file(walker, found: Found, *, archives: bool = True) -> None:
    if not open_file(walker, found, archives=archives):
        walker.add_found(found)
