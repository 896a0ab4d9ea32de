"""ZIP attachments: the files inside become the mail's attachments.

Reading is left to the standard library's zipfile; this module decides what counts as an archive
(documents such as .docx are ZIPs too), recovers file names old Windows archivers wrote in code pages,
and keeps an archive from costing more than its limits allow. Sizes the headers declare are never what
lets a member through: members are decompressed in chunks and dropped once they pass a limit, and every
byte decompressed counts against the attachment's budget, kept or not, so the work a hostile archive
can cause is bounded along with the memory it takes. Nothing here raises: problems become members'
`problem`/`detail` or the archive's notes.
"""

import io
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, replace

from mailboxes.extract.model import ENCRYPTED_DETAIL
from mailboxes.extract.notes import Note, located, note

ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # first local file header; end record of an empty archive
MIB = 1024 * 1024
_CHUNK = 256 * 1024
# Small files compress far better than 200:1 too (a page of zeros, an empty spreadsheet); below this
# size a member is never called a bomb.
_RATIO_FLOOR = MIB
_ENCRYPTED = 0x1
_UTF8_NAME = 0x800
_UNICODE_PATH_FIELD = 0x7075  # Info-ZIP's extra field carrying the UTF-8 name beside a code-page one
# zipfile caps deflate output per read call; its bzip2 and LZMA readers do not (bzip2 expands up to
# 45 million times), so only these two methods are unpacked. They are what archivers write by default.
_UNPACKED_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_METHOD_NAMES = {9: "Deflate64", 12: "bzip2", 14: "LZMA", 93: "Zstandard", 95: "XZ", 98: "PPMd"}

# ZIP-based documents, by a member at the top of the archive: OOXML/XPS/other OPC packages, JAR/WAR/APK,
# EPUB (which also has "mimetype" first, like OpenDocument).
_DOCUMENT_MEMBERS = frozenset(
    {"[content_types].xml", "meta-inf/manifest.mf", "androidmanifest.xml", "meta-inf/container.xml"}
)
# A word list reads better than 54 quoted strings.
_DOCUMENT_EXTENSIONS = frozenset(
    "docx docm dotx dotm xlsx xlsm xltx xltm xlsb xlam pptx pptm potx potm ppsx ppsm vsdx vsdm"  # noqa: SIM905
    " xps oxps odt ods odp odg odf odc odb ott ots otp otg sxw sxc sxi sxd epub jar war ear apk aab"
    " ipa xpi kmz 3mf nupkg whl vsix appx msix idml pages numbers key".split()
)
_DOCUMENT_TYPE_PREFIXES = (
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
    "application/vnd.ms-word",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.ms-xpsdocument",
    "application/msword",
    "application/oxps",
    "application/epub+zip",
    "application/java-archive",
    "application/x-java-archive",
    "application/vnd.android.package-archive",
)
_POLISH_LETTERS = frozenset("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")


@dataclass(frozen=True)
class ArchiveLimits:
    max_depth: int = 3  # archives inside archives opened this deep (1 = only the attachment itself)
    max_members: int = 1000  # files listed per attachment, all nesting levels together
    max_total_bytes: int = 200 * MIB  # uncompressed bytes per attachment, all levels together
    max_ratio: int = 200  # a member expanding more than this (and beyond 1 MiB) is a bomb


@dataclass(frozen=True)
class ArchiveMember:
    """One file from inside a ZIP; `path` holds its folders and the inner archives it sat in."""

    name: str
    data: bytes  # b"" when it could not be extracted
    path: tuple[str, ...]
    problem: str  # "" | "encrypted" | "over_limit" | "unreadable" | "too_deep"
    detail: Note | str  # for the operator (a Note, notes.py), "" when there is no problem


@dataclass(frozen=True)
class OpenedArchive:
    members: list[ArchiveMember]
    notes: list[Note]


@dataclass
class _Budget:
    """What is left for the whole attachment; shared by every nesting level."""

    members_left: int
    bytes_left: int
    members_cut: bool = False
    bytes_cut: bool = False


def looks_like_zip_archive(declared_type: str, name: str, data: bytes) -> bool:
    """A ZIP meant as an archive: the ZIP signature and no sign of a ZIP-based document format.

    Any sign of a document wins: its declared type, its file name's extension, or a member only
    documents have. An archive whose directory cannot be read counts as one (so the operator hears
    it is damaged) unless its first local header names a document's first member.
    """
    if data[:4] not in ZIP_SIGNATURES or _declared_as_document(declared_type, name):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except Exception:  # zipfile raises BadZipFile, but also OSError/ValueError on odd offsets
        names = [_first_local_name(data)]
    lowered = [member.lower() for member in names]
    return lowered[:1] != ["mimetype"] and not any(member in _DOCUMENT_MEMBERS for member in lowered)


def open_zip_archive(data: bytes, limits: ArchiveLimits = ArchiveLimits()) -> OpenedArchive:
    """The files inside ZIP `data` and inner archives, within `limits`. Never raises."""
    budget = _Budget(limits.max_members, limits.max_total_bytes)
    members: list[ArchiveMember] = []
    notes: list[Note] = []
    try:
        _walk(data, (), 1, limits, budget, members, notes)
    except Exception as error:  # a safety net: every expected failure is handled where it happens
        notes.append(note("extract.archive_incomplete", detail=type(error).__name__[:100]))
    if budget.members_cut:
        notes.append(note("extract.archive_too_many_files", count=limits.max_members))
    if budget.bytes_cut:
        notes.append(note("extract.archive_too_large", size=_size(limits.max_total_bytes)))
    return OpenedArchive(members, notes)


def _walk(data, path, depth, limits, budget, members, notes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception:  # a truncated archive has no central directory; salvaging local headers is not tried
        notes.append(_where(path, note("extract.archive_damaged")))
        return
    listed = 0
    with archive:
        for info in archive.infolist():
            if _is_metadata(info.orig_filename):
                continue
            if budget.members_left <= 0:
                budget.members_cut = True
                return
            budget.members_left -= 1
            listed += 1
            folders, name = _split(_decoded_name(info))
            member = _extract(archive, info, name, (*path, *folders), len(data), limits, budget)
            inner = not member.problem and looks_like_zip_archive("", name, member.data)
            if inner and depth >= limits.max_depth:
                detail = note("extract.archive_nested_too_deep", count=limits.max_depth)
                member = replace(member, problem="too_deep", detail=detail)
            members.append(member)
            if inner and depth < limits.max_depth:
                _walk(member.data, (*member.path, name), depth + 1, limits, budget, members, notes)
    if not listed:
        notes.append(_where(path, note("extract.archive_empty")))


def _extract(archive, info, name, path, archive_size, limits, budget) -> ArchiveMember:
    def problem(kind: str, detail: Note) -> ArchiveMember:
        return ArchiveMember(name=name, data=b"", path=path, problem=kind, detail=detail)

    if info.flag_bits & _ENCRYPTED:
        return problem("encrypted", ENCRYPTED_DETAIL)  # passwords are never tried
    if info.compress_type not in _UNPACKED_METHODS:
        method = _METHOD_NAMES.get(info.compress_type)
        if method is None:
            return problem("unreadable", note("extract.archive_unknown_method", number=info.compress_type))
        return problem("unreadable", note("extract.archive_method", method=method, number=info.compress_type))
    total_cap = note("extract.archive_member_past_total", size=_size(limits.max_total_bytes))
    if info.file_size > budget.bytes_left:
        # A declared size may refuse a member before any work, never admit one: a lie only hurts the liar.
        budget.bytes_cut = True
        return problem("over_limit", total_cap)
    # The compressed size is declared too: no member gets more room than the archive's remaining bytes.
    compressed = min(info.compress_size, max(archive_size - info.header_offset, 0))
    ratio_cap = max(_RATIO_FLOOR, limits.max_ratio * compressed)
    allowed = min(ratio_cap, budget.bytes_left)
    try:
        with archive.open(info) as stream:
            data = _read_at_most(stream, allowed, budget)
    except EOFError:  # zipfile's way of saying the compressed data ends before its declared size
        return problem("unreadable", note("extract.archive_member_ends_early"))
    except Exception as error:  # BadZipFile (CRC, headers), zlib.error
        said = str(error or type(error).__name__)[:300]
        return problem("unreadable", note("extract.archive_member_damaged", error=said))
    if data is not None:
        return ArchiveMember(name=name, data=data, path=path, problem="", detail="")
    if allowed == ratio_cap:
        return problem("over_limit", note("extract.archive_member_ratio", count=limits.max_ratio))
    budget.bytes_cut = True
    return problem("over_limit", total_cap)


def _read_at_most(stream, allowed: int, budget: _Budget) -> bytes | None:
    """The whole member, or None once it passes `allowed` bytes; all bytes read are charged to `budget`."""
    chunks, size = [], 0
    try:
        while chunk := stream.read(min(_CHUNK, allowed + 1 - size)):
            size += len(chunk)
            if size > allowed:
                return None
            chunks.append(chunk)
    finally:
        budget.bytes_left = max(budget.bytes_left - size, 0)
    return b"".join(chunks)


def _decoded_name(info: zipfile.ZipInfo) -> str:
    """The member's name, for archives written without the UTF-8 flag too.

    zipfile reads unflagged names as cp437, the ZIP standard's code page; the bytes are recovered from
    that and read, in order, as: the Info-ZIP Unicode Path field (UTF-8 beside the legacy name), UTF-8
    (tools that write it without setting the flag), cp852 if that gives Polish letters and nothing but
    letters (DOS code page of old archivers on Polish Windows; windows-1250 bytes read as cp852 give
    box-drawing characters and symbols), windows-1250 (archivers writing the ANSI code page), and
    cp437 for the few bytes windows-1250 leaves undefined.
    """
    if info.flag_bits & _UTF8_NAME:
        return info.orig_filename
    raw = info.orig_filename.encode("cp437")
    unicode_path = _unicode_path(info.extra, raw)  # also beside ASCII names with "?" for what didn't fit
    if unicode_path or raw.isascii():
        return unicode_path or info.orig_filename
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    as_cp852 = raw.decode("cp852")
    beyond_ascii = [char for char in as_cp852 if not char.isascii()]
    if any(char in _POLISH_LETTERS for char in beyond_ascii) and all(char.isalpha() for char in beyond_ascii):
        return as_cp852
    try:
        return raw.decode("windows-1250")
    except UnicodeDecodeError:
        return info.orig_filename


def _unicode_path(extra: bytes, raw_name: bytes) -> str:
    """The name from an Info-ZIP Unicode Path field that belongs to `raw_name`; "" if none."""
    offset = 0
    while offset + 4 <= len(extra):
        field_id, size = struct.unpack_from("<HH", extra, offset)
        body = extra[offset + 4 : offset + 4 + size]
        # Version 1, then the CRC of the legacy name: a renaming tool that kept a stale field is ignored.
        ours = len(body) > 5 and body[0] == 1 and struct.unpack_from("<I", body, 1)[0] == zlib.crc32(raw_name)
        if field_id == _UNICODE_PATH_FIELD and ours:
            return body[5:].decode("utf-8", errors="replace")
        offset += 4 + size
    return ""


def _split(name: str) -> tuple[tuple[str, ...], str]:
    """(folders, file name): traversal and drive letters dropped, control characters removed."""
    parts = []
    for part in name.replace("\\", "/").split("/"):  # old Windows archivers wrote backslashes
        part = "".join(char for char in part if unicodedata.category(char) != "Cc")
        if part not in ("", ".", ".."):
            parts.append(part)
    if len(parts) > 1 and len(parts[0]) == 2 and parts[0][1] == ":":
        parts = parts[1:]
    if not parts:
        return (), ""
    return tuple(parts[:-1]), parts[-1]


def _is_metadata(raw_name: str) -> bool:
    """Directory entries and the Finder's __MACOSX/ resource forks and .DS_Store files: not files."""
    parts = raw_name.replace("\\", "/").split("/")
    return raw_name.endswith(("/", "\\")) or parts[0] == "__MACOSX" or parts[-1] == ".DS_Store"


def _declared_as_document(declared_type: str, name: str) -> bool:
    content_type = declared_type.split(";")[0].strip().lower()
    extension = name.strip().rpartition(".")[2].lower() if "." in name else ""
    return content_type.startswith(_DOCUMENT_TYPE_PREFIXES) or extension in _DOCUMENT_EXTENSIONS


def _first_local_name(data: bytes) -> str:
    if data[:4] != ZIP_SIGNATURES[0] or len(data) < 30:
        return ""
    length = struct.unpack_from("<H", data, 26)[0]
    return data[30 : 30 + length].decode("cp437")


def _where(path: tuple[str, ...], said: Note) -> Note:
    return located(" / ".join(path), said)


def _size(count: int) -> str:
    if count >= MIB:
        return f"{round(count / MIB, 1):g} MB"
    return f"{round(count / 1024, 1):g} KB" if count >= 1024 else f"{count} B"
