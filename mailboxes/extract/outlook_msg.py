"""Outlook .msg attachments (MS-OXMSG inside an MS-CFB compound file): the files inside them.

Read: the subject, the sender, the plain-text body (PR_BODY) and every attachment with its name, bytes,
MIME tag and content id / hidden flag, also the attachments of embedded (forwarded) messages, to
`max_depth` levels. Not read: the RTF and HTML bodies, the recipients table, named properties, OLE-object
attachments (method 6) without a binary copy, and attachments by reference (they hold only a path).

The compound file is read with olefile (pure Python, BSD-2-Clause licence). olefile trusts the header's
sector counts and each stream's declared size, so both are checked here first; every failure becomes
MsgError (the whole file) or a note (one attachment), never another exception.
"""

import contextlib
import io
import struct
from dataclasses import dataclass

import olefile

from mailboxes.extract.notes import Note, located, note

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MSG_TYPES = frozenset({"application/vnd.ms-outlook"})
# Root streams of Word, Excel, PowerPoint and Visio files: an OLE file holding one is not a message.
_OTHER_DOCUMENTS = frozenset({"worddocument", "workbook", "book", "powerpoint document", "visiodocument"})
_PROPERTIES = "__properties_version1.0"
_SUBSTG = "__substg1.0_"
_ATTACHMENT = "__attach_version1.0_#"
_EMBEDDED = "__substg1.0_3701000d"  # olefile's kids_dict keys are lower-case
_ATTACH_DATA = "__substg1.0_37010102"
# Bytes before the 16-byte entries of __properties_version1.0 (MS-OXMSG 2.4.1).
_TOP_HEADER, _EMBEDDED_HEADER, _ATTACHMENT_HEADER = 32, 24, 8

# MAPI property ids (MS-OXPROPS) and types.
_SUBJECT, _BODY = 0x0037, 0x1000
_SENDER_NAME, _SENT_REPRESENTING_NAME = 0x0C1A, 0x0042
_SENDER_SMTP, _SENDER_EMAIL, _SENT_REPRESENTING_EMAIL = 0x5D01, 0x0C1F, 0x0065
_ATTACH_METHOD, _ATTACH_LONG_FILENAME, _ATTACH_FILENAME, _DISPLAY_NAME = 0x3705, 0x3707, 0x3704, 0x3001
_ATTACH_MIME_TAG, _ATTACH_CONTENT_ID, _ATTACHMENT_HIDDEN = 0x370E, 0x3712, 0x7FFE
_MESSAGE_CODEPAGE, _INTERNET_CPID = 0x3FFD, 0x3FDE
_PT_LONG, _PT_BOOLEAN, _PT_STRING8, _PT_UNICODE = 0x0003, 0x000B, 0x001E, 0x001F
_EMBEDDED_MESSAGE = 5
_LINK = note("extract.msg_link")
_NO_DATA = {
    2: _LINK,
    3: _LINK,
    4: _LINK,
    6: note("extract.msg_ole_object"),
    7: note("extract.msg_web_link"),
}
_DATA_MISSING = note("extract.msg_data_missing")
# Windows code pages Python knows under another name than cpNNNN.
_CODEPAGES = {20127: "ascii", 20866: "koi8-r", 21866: "koi8-u", 28603: "iso8859-13", 28605: "iso8859-15"}
_CODEPAGES |= {28590 + n: f"iso8859-{n}" for n in range(1, 10)}
_CODEPAGES |= {50220: "iso2022-jp", 51932: "euc-jp", 51949: "euc-kr", 54936: "gb18030", 10000: "mac-roman"}


class MsgError(Exception):
    """Could not be read as an Outlook message; `note` says why (str() is its code, for logs)."""

    def __init__(self, said: Note):
        super().__init__(said.code)
        self.note = said


@dataclass(frozen=True)
class MsgFile:
    """One attachment; `path` labels the embedded messages it sat in, outermost first."""

    name: str
    data: bytes
    declared_type: str
    path: tuple[str, ...]
    is_inline: bool


@dataclass(frozen=True)
class MsgContents:
    subject: str
    sender: str
    body_text: str
    files: list[MsgFile]
    notes: list[Note]


def looks_like_msg(declared_type: str, name: str, data: bytes) -> bool:
    """An Outlook message by signature plus name, type or the MAPI streams; Word/Excel files never are."""
    if data[:8] != OLE_SIGNATURE:
        return False  # everything that is not OLE (PDFs, images) stops here, unparsed
    claimed = (
        name.strip().lower().endswith(".msg") or declared_type.split(";")[0].strip().lower() in MSG_TYPES
    )
    try:
        _check_header(data)
        with olefile.OleFileIO(io.BytesIO(data)) as ole:  # reads the header, FAT and directory only
            names = {kid.name.lower() for kid in ole.root.kids}
    except Exception:
        return claimed  # damaged but said to be a message: unpack_msg will say why it cannot be read
    if names & _OTHER_DOCUMENTS:
        return False
    return claimed or (_PROPERTIES in names and any(n.startswith(_SUBSTG) for n in names))


def unpack_msg(
    data: bytes, *, max_depth: int = 10, max_files: int = 1000, max_total_bytes: int = 200 * 1024 * 1024
) -> MsgContents:
    """Raises MsgError if `data` is not a readable Outlook message."""
    if data[:8] != OLE_SIGNATURE:
        raise MsgError(note("extract.msg_not_ole"))
    try:
        _check_header(data)
        ole = olefile.OleFileIO(io.BytesIO(data))
    except MsgError:
        raise
    except Exception as error:  # olefile raises OSError, struct.error, IndexError... on garbage
        raise MsgError(note("extract.msg_damaged_file", note=_reason(error))) from error
    try:
        return _contents(ole, len(data), _Walk(max_depth, max_files, max_total_bytes))
    except MsgError:
        raise
    except Exception as error:
        raise MsgError(note("extract.msg_damaged_message", note=_reason(error))) from error
    finally:
        ole.close()


def _check_header(data: bytes) -> None:
    # olefile follows the header's FAT/DIFAT/MiniFAT counts even when they exceed the file, re-reading
    # looping sectors for minutes; refuse counts the file cannot hold (a FAT sector maps >= 128 sectors,
    # doubled to let a truncated file through, plus the 109 FAT sectors the header lists).
    if len(data) < 512:
        raise MsgError(note("extract.msg_too_short"))
    shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
    if shift not in (9, 12) or mini_shift != 6:
        raise MsgError(note("extract.msg_damaged_file", note=note("extract.msg_sector_size")))
    sectors = (len(data) + (1 << shift) - 1) // (1 << shift) - 1
    fat, *_, minifat, _difat_start, difat = struct.unpack_from("<8I", data, 0x2C)
    if fat > sectors // 64 + 110 or minifat > sectors or difat > sectors:
        raise MsgError(note("extract.msg_damaged_file", note=note("extract.msg_sector_count")))


def _contents(ole: olefile.OleFileIO, size: int, walk: "_Walk") -> MsgContents:
    names = set(ole.root.kids_dict)
    if names & _OTHER_DOCUMENTS or not (_PROPERTIES in names or any(n.startswith(_SUBSTG) for n in names)):
        raise MsgError(note("extract.msg_other_document"))
    if ole.root.size > size:  # the mini stream, which olefile would read whole on first use
        raise MsgError(note("extract.msg_damaged_file", note=note("extract.msg_mini_stream")))
    message = _Storage(ole, ole.root, size, "cp1252")
    try:
        message = message.with_codepage(message.fixed(_TOP_HEADER))
    except Exception as error:  # only the code page of 8-bit strings is lost: go on with Windows-1252
        walk.notes.append(note("extract.msg_properties", note=_reason(error)))
    with contextlib.suppress(_Full):
        walk.message(message, (), 0)
    return MsgContents(
        subject=_readable(lambda: message.text(_SUBJECT), "extract.msg_subject", walk.notes),
        sender=_readable(lambda: _sender_of(message), "extract.msg_sender", walk.notes),
        body_text=_readable(lambda: message.text(_BODY, strip=False), "extract.msg_body", walk.notes),
        files=walk.files,
        notes=walk.notes,
    )


def _readable(read, code: str, notes: list[Note]) -> str:
    # A damaged subject or body stream costs only that field, not the attachments already found.
    try:
        return read()
    except Exception as error:
        notes.append(note(code, note=_reason(error)))
        return ""


class _Full(Exception):
    """A limit was reached: stop reading attachments altogether."""


class _Storage:
    """One MAPI object's storage: its __substg1.0_ streams and its fixed-size properties."""

    def __init__(self, ole: olefile.OleFileIO, entry, file_size: int, codec: str):
        self.ole, self.entry, self.file_size, self.codec = ole, entry, file_size, codec

    def child(self, name: str, kind: int):
        kid = self.entry.kids_dict.get(name.lower())
        return kid if kid is not None and kid.entry_type == kind else None

    def sub(self, entry, codec: str | None = None) -> "_Storage":
        return _Storage(self.ole, entry, self.file_size, codec or self.codec)

    def stream(self, name: str) -> bytes | None:
        kid = self.child(name, olefile.STGTY_STREAM)
        if kid is None:
            return None
        if kid.size > self.file_size:  # a looping FAT would let olefile read the same sectors up to here
            raise MsgError(note("extract.msg_stream_too_large", name=str(kid.name)[:100]))
        # Opened by directory entry: olefile's openstream looks paths up with a linear scan per level.
        data = self.ole._open(kid.isectStart, kid.size).read()
        if len(data) < kid.size:  # olefile only logs a stream that ends early
            sizes = {"got": len(data), "count": kid.size}
            if kid.name.lower() == _ATTACH_DATA:
                raise MsgError(note("extract.msg_data_cut_short", **sizes))
            raise MsgError(note("extract.msg_stream_cut_short", name=str(kid.name)[:100], **sizes))
        return data

    def text(self, prop_id: int, *, strip: bool = True) -> str:
        raw = self.stream(f"{_SUBSTG}{prop_id:04X}{_PT_UNICODE:04X}")
        if raw is not None:
            value = raw.decode("utf-16-le", errors="replace")
        else:
            raw = self.stream(f"{_SUBSTG}{prop_id:04X}{_PT_STRING8:04X}") or b""
            try:
                value = raw.decode(self.codec)
            except (UnicodeDecodeError, LookupError):
                value = raw.decode("latin-1")
        value = value.rstrip("\x00")
        return value.strip("\x00").strip() if strip else value

    def fixed(self, header: int) -> dict[int, bytes]:
        """The 8-byte values of the properties stream, by property tag (id << 16 | type)."""
        return _entries(self.stream(_PROPERTIES) or b"", header)

    def with_codepage(self, fixed: dict[int, bytes]) -> "_Storage":
        for prop_id in (_MESSAGE_CODEPAGE, _INTERNET_CPID):
            codec = _codec_of(_number_in(fixed, prop_id, _PT_LONG))
            if codec:
                return self.sub(self.entry, codec)
        return self


def _entries(raw: bytes, header: int) -> dict[int, bytes]:
    """Entries of a properties stream: tag (4 bytes), flags (4), value (8), after a `header`."""
    usable = raw[header:]
    usable = usable[: len(usable) // 16 * 16]  # a ragged tail: keep the whole entries before it
    return {tag: value for tag, _flags, value in struct.iter_unpack("<II8s", usable)}


def _number_in(fixed: dict[int, bytes], prop_id: int, prop_type: int) -> int:
    # PT_LONG fills the first 4 bytes of the 8-byte value, PT_BOOLEAN the first 2; the rest is padding.
    width = 4 if prop_type == _PT_LONG else 2
    return int.from_bytes(fixed.get(prop_id << 16 | prop_type, b"")[:width], "little")


def _codec_of(codepage: int) -> str:
    if not codepage:
        return ""
    name = _CODEPAGES.get(codepage, f"cp{codepage}")
    try:
        b"".decode(name)
    except LookupError:
        return ""
    return name


class _Walk:
    """The walk over a message's attachments, with the limits and what was found so far."""

    def __init__(self, max_depth: int, max_files: int, max_total_bytes: int):
        self.max_depth, self.max_files, self.max_total_bytes = max_depth, max_files, max_total_bytes
        self.files: list[MsgFile] = []
        self.notes: list[Note] = []
        self.total = 0
        self.without_file = 0  # empty attachment storages cost work too; bounded like files

    def message(self, message: _Storage, path: tuple[str, ...], depth: int) -> None:
        attachments = [
            kid
            for kid in message.entry.kids
            if kid.entry_type == olefile.STGTY_STORAGE and kid.name.lower().startswith(_ATTACHMENT)
        ]
        for number, entry in enumerate(sorted(attachments, key=_attachment_number), 1):
            where = (path, number)
            try:
                found = self.attachment(message.sub(entry), path, depth, where)
            except _Full:
                raise
            except Exception as error:  # one damaged attachment: note it and go on with the others
                self.notes.append(_at(where, _reason(error)))
                found = False
            if not found:
                self.without_file += 1
                if self.without_file > self.max_files:
                    self.stop(note("extract.msg_too_many_without_file", count=self.max_files))

    def attachment(self, attachment: _Storage, path: tuple[str, ...], depth: int, where: tuple) -> bool:
        """Adds the attachment's file, or opens the embedded message it is; False if neither."""
        fixed = attachment.fixed(_ATTACHMENT_HEADER)
        method = _number_in(fixed, _ATTACH_METHOD, _PT_LONG)
        embedded = attachment.child(_EMBEDDED, olefile.STGTY_STORAGE)
        if embedded is not None and (method == _EMBEDDED_MESSAGE or _PROPERTIES in embedded.kids_dict):
            self.embedded(attachment.sub(embedded), path, depth, where)
            return False
        data_entry = attachment.child(_ATTACH_DATA, olefile.STGTY_STREAM)
        if data_entry is None:
            self.notes.append(_at(where, _NO_DATA.get(method, _DATA_MISSING)))
            return False
        if len(self.files) >= self.max_files:
            self.stop(note("extract.msg_too_many_files", count=self.max_files))
        if self.total + data_entry.size > self.max_total_bytes:
            self.stop(note("extract.msg_too_large", count=self.max_total_bytes))
        data = attachment.stream(_ATTACH_DATA) or b""
        self.total += len(data)
        self.files.append(
            MsgFile(
                name=attachment.text(_ATTACH_LONG_FILENAME)
                or attachment.text(_ATTACH_FILENAME)
                or attachment.text(_DISPLAY_NAME),
                data=data,
                declared_type=attachment.text(_ATTACH_MIME_TAG).lower(),
                path=path,
                is_inline=bool(attachment.text(_ATTACH_CONTENT_ID))
                or _number_in(fixed, _ATTACHMENT_HIDDEN, _PT_BOOLEAN) != 0,
            )
        )
        return True

    def embedded(self, message: _Storage, path: tuple[str, ...], depth: int, where: tuple) -> None:
        # A forwarded Outlook item: like a forwarded mail, its own attachments are what we want.
        if depth >= self.max_depth:
            self.notes.append(_at(where, note("extract.msg_nested_too_deep", count=self.max_depth)))
            return
        message = message.with_codepage(message.fixed(_EMBEDDED_HEADER))
        label = f"forwarded: {message.text(_SUBJECT) or '(no subject)'}"
        self.message(message, (*path, label), depth + 1)

    def stop(self, said: Note) -> None:
        self.notes.append(said)
        raise _Full


def _attachment_number(entry) -> tuple[int, str]:
    try:
        return int(entry.name[len(_ATTACHMENT) :], 16), entry.name
    except ValueError:
        return 1 << 32, entry.name


def _sender_of(message: _Storage) -> str:
    name = message.text(_SENDER_NAME) or message.text(_SENT_REPRESENTING_NAME)
    addresses = [message.text(p) for p in (_SENDER_SMTP, _SENDER_EMAIL, _SENT_REPRESENTING_EMAIL)]
    smtp = next((address for address in addresses if "@" in address), "")
    if name and smtp and name.lower() != smtp.lower():
        return f"{name} <{smtp}>"
    # An Exchange sender has only an X.500 address ("/O=..."); it is better than nothing.
    return name or smtp or next((address for address in addresses if address), "")


def _at(where: tuple, said) -> Note:
    """`said` about attachment `number` of the message at `path` (embedded messages' labels)."""
    path, number = where
    separator = " \u203a "
    return located(separator.join(path), note("extract.msg_attachment", number=number, note=said), separator)


def _reason(error: Exception) -> "Note | str":
    """Why reading failed: our own Note, or the library's words as they are (data, not translated)."""
    if isinstance(error, MsgError):
        return error.note
    return f"{type(error).__name__}: {error}"[:200]
