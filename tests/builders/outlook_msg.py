"""Outlook .msg files built from scratch: a small MS-CFB (compound file) writer, and MS-OXMSG message
storages on top of it. olefile only reads compound files, and no sample files are copied in.

    msg_bytes("Faktura 12/2026", "W załączeniu.", [MsgAttachment("faktura.pdf", PDF, "application/pdf")])
    msg_bytes("Fwd", "", [MsgAttachment(embedded=OutlookMessage("Re: Faktura", attachments=[...]))])
    compound_file({"WordDocument": b"...", "ObjectPool": {}})  # any tree: bytes = stream, dict = storage

The writer makes version 3 files (512-byte sectors): streams under 4096 bytes go into the mini stream
(64-byte mini sectors, MiniFAT), larger ones into regular sectors; the DIFAT lives in the header only,
so files stay under ~7 MB. Directory entries are all black, each storage's children a balanced binary
tree in the order MS-CFB sorts names (length first, then upper-cased), which readers accept.
"""

import struct
from dataclasses import dataclass, field

SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SECTOR, MINI_SECTOR, MINI_CUTOFF = 512, 64, 4096
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_STORAGE, _STREAM, _ROOT = 1, 2, 5
_PER_SECTOR = SECTOR // 4  # sector numbers in one FAT or MiniFAT sector


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes | None = None
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    start: int = ENDOFCHAIN
    size: int = 0


def compound_file(tree: dict) -> bytes:
    """A compound file holding `tree`: name -> bytes is a stream, name -> dict a storage."""
    entries = [_Entry("Root Entry", _ROOT)]
    entries[0].child = _add_children(entries, tree)
    mini, minifat = bytearray(), []
    large = []
    for entry in entries:
        if entry.kind != _STREAM or not entry.data:
            continue
        entry.size = len(entry.data)
        if entry.size >= MINI_CUTOFF:
            large.append(entry)
            continue
        entry.start = len(mini) // MINI_SECTOR
        count = -(-entry.size // MINI_SECTOR)
        minifat += _chain(entry.start, count)
        mini += entry.data.ljust(count * MINI_SECTOR, b"\0")
    # Sector runs after the FAT: directory, MiniFAT, mini stream, then each large stream.
    runs = [
        _sectors(len(entries) * 128),
        _sectors(len(minifat) * 4),
        _sectors(len(mini)),
        *(_sectors(entry.size) for entry in large),
    ]
    fat_count = 1
    while fat_count * _PER_SECTOR < fat_count + sum(runs):
        fat_count += 1
    assert fat_count <= 109, "this writer keeps the DIFAT in the header: files up to ~7 MB"
    starts, position = [], fat_count
    for run in runs:
        starts.append(position if run else ENDOFCHAIN)
        position += run
    entries[0].start, entries[0].size = (starts[2], len(mini)) if mini else (ENDOFCHAIN, 0)
    for entry, start in zip(large, starts[3:], strict=True):
        entry.start = start
    fat = [FATSECT] * fat_count
    for run, start in zip(runs, starts, strict=True):
        fat += _chain(start, run)
    header = _header(fat_count, starts[0], starts[1], runs[1])
    body = [
        _packed(fat, fat_count * SECTOR),
        b"".join(_entry_bytes(entry) for entry in entries).ljust(runs[0] * SECTOR, b"\0"),
        _packed(minifat, runs[1] * SECTOR),
        bytes(mini).ljust(runs[2] * SECTOR, b"\0"),
        *(entry.data.ljust(run * SECTOR, b"\0") for entry, run in zip(large, runs[3:], strict=True)),
    ]
    return header + b"".join(body)


def _add_children(entries: list[_Entry], tree: dict) -> int:
    """Appends the entries of `tree` (recursively); returns the id of its children's tree root."""
    ids = []
    for name, value in tree.items():
        entry = _Entry(name, _STORAGE) if isinstance(value, dict) else _Entry(name, _STREAM, bytes(value))
        ids.append(len(entries))
        entries.append(entry)
        if isinstance(value, dict):
            entry.child = _add_children(entries, value)
    ids.sort(key=lambda sid: (len(entries[sid].name), entries[sid].name.upper()))
    return _balanced(entries, ids)


def _balanced(entries: list[_Entry], ids: list[int]) -> int:
    if not ids:
        return NOSTREAM
    middle = len(ids) // 2
    node = entries[ids[middle]]
    node.left, node.right = _balanced(entries, ids[:middle]), _balanced(entries, ids[middle + 1 :])
    return ids[middle]


def _sectors(size: int) -> int:
    return -(-size // SECTOR)


def _chain(start: int, count: int) -> list[int]:
    return [start + i + 1 for i in range(count - 1)] + [ENDOFCHAIN] if count else []


def _packed(numbers: list[int], size: int) -> bytes:
    numbers = numbers + [FREESECT] * (size // 4 - len(numbers))
    return struct.pack(f"<{len(numbers)}I", *numbers)


def _entry_bytes(entry: _Entry) -> bytes:
    name = entry.name.encode("utf-16-le") + b"\0\0"
    assert len(name) <= 64, f"directory entry names have at most 31 characters: {entry.name!r}"
    black = 1
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name,
        len(name),
        entry.kind,
        black,
        entry.left,
        entry.right,
        entry.child,
        b"\0" * 16,  # CLSID
        0,  # state bits
        0,  # creation time
        0,  # modification time
        entry.start if entry.kind != _STORAGE else 0,
        entry.size,
    )


def _header(fat_count: int, directory_start: int, minifat_start: int, minifat_count: int) -> bytes:
    fixed = struct.pack(
        "<8s16sHHHHHHIIIIIIIIII",
        SIGNATURE,
        b"\0" * 16,
        0x003E,  # minor version
        0x0003,  # major version: 512-byte sectors
        0xFFFE,  # byte order: little-endian
        9,  # sector shift: 512
        6,  # mini sector shift: 64
        0,
        0,  # reserved
        0,  # directory sectors: always 0 in version 3
        fat_count,
        directory_start,
        0,  # transaction signature
        MINI_CUTOFF,
        minifat_start,
        minifat_count,
        ENDOFCHAIN,  # first DIFAT sector: none
        0,  # DIFAT sectors
    )
    difat = list(range(fat_count)) + [FREESECT] * (109 - fat_count)
    return fixed + struct.pack("<109I", *difat)


# --- Outlook messages (MS-OXMSG) ------------------------------------------------------------------

PT_LONG, PT_BOOLEAN, PT_OBJECT, PT_STRING8, PT_UNICODE, PT_BINARY = 0x3, 0xB, 0xD, 0x1E, 0x1F, 0x102
_READ_WRITE = 0x6  # PROPATTR_READABLE | PROPATTR_WRITABLE


@dataclass(frozen=True)
class MsgAttachment:
    """One attachment: a file (`data`; None writes no data stream at all) or an `embedded` message."""

    name: str = ""  # PR_ATTACH_LONG_FILENAME
    data: bytes | None = b""
    mime_tag: str = ""
    content_id: str = ""
    hidden: bool = False
    embedded: "OutlookMessage | None" = None
    short_name: str = ""  # PR_ATTACH_FILENAME (8.3)
    display_name: str = ""  # PR_DISPLAY_NAME
    method: int | None = None  # PR_ATTACH_METHOD; by default 1 (by value), or 5 for an embedded message


@dataclass(frozen=True)
class OutlookMessage:
    """A message's contents. With `string8` set, strings are written 8-bit (001E) in that codec;
    `codepage` is written as PR_MESSAGE_CODEPAGE."""

    subject: str = ""
    body: str = ""
    attachments: list[MsgAttachment] = field(default_factory=list)
    sender_name: str = ""
    sender_address: str = ""
    recipients: list[tuple[str, str]] = field(default_factory=list)
    string8: str | None = None
    codepage: int | None = None


def msg_bytes(subject: str = "", body: str = "", attachments=(), **options) -> bytes:
    """An Outlook .msg file; `options` are the other fields of OutlookMessage."""
    message = OutlookMessage(subject, body, list(attachments), **options)
    return compound_file(message_storage(message, top_level=True))


def message_storage(message: OutlookMessage, *, top_level: bool) -> dict:
    """The storage tree of a message: the whole file's root, or an embedded message's storage."""
    strings = _Strings(message.string8)
    strings.add(0x0037, message.subject)
    strings.add(0x1000, message.body)
    strings.add(0x0C1A, message.sender_name)
    strings.add(0x5D01, message.sender_address)
    fixed = [(0x3FFD, PT_LONG, message.codepage)] if message.codepage is not None else []
    counts = len(message.recipients), len(message.attachments)
    # Header: reserved (8), next recipient id, next attachment id, recipient count, attachment count,
    # and 8 more reserved bytes only in the top-level message (MS-OXMSG 2.4.1).
    header = struct.pack("<8xIIII", *counts, *counts) + (b"\0" * 8 if top_level else b"")
    tree = {"__properties_version1.0": header + strings.entries(fixed), **strings.streams}
    if top_level:
        tree["__nameid_version1.0"] = {f"__substg1.0_000{n}0102": b"" for n in (2, 3, 4)}
    for number, (name, address) in enumerate(message.recipients):
        recipient = _Strings(message.string8)
        recipient.add(0x3001, name)
        recipient.add(0x3003, address)
        tree[f"__recip_version1.0_#{number:08X}"] = {
            "__properties_version1.0": b"\0" * 8 + recipient.entries([(0x3000, PT_LONG, number)]),
            **recipient.streams,
        }
    for number, attachment in enumerate(message.attachments):
        tree[f"__attach_version1.0_#{number:08X}"] = _attachment_storage(attachment, number, message.string8)
    return tree


def _attachment_storage(attachment: MsgAttachment, number: int, string8: str | None) -> dict:
    strings = _Strings(string8)
    strings.add(0x3707, attachment.name)
    strings.add(0x3704, attachment.short_name)
    strings.add(0x3001, attachment.display_name)
    strings.add(0x370E, attachment.mime_tag)
    strings.add(0x3712, attachment.content_id)
    method = attachment.method or (5 if attachment.embedded is not None else 1)
    fixed = [(0x3705, PT_LONG, method), (0x0E21, PT_LONG, number)]
    if attachment.hidden:
        fixed.append((0x7FFE, PT_BOOLEAN, 1))
    if attachment.embedded is not None:
        strings.streams["__substg1.0_3701000D"] = message_storage(attachment.embedded, top_level=False)
        strings.sizes.append((0x3701, PT_OBJECT, 0xFFFFFFFF))
    elif attachment.data is not None:
        strings.streams["__substg1.0_37010102"] = attachment.data
        strings.sizes.append((0x3701, PT_BINARY, len(attachment.data)))
    return {"__properties_version1.0": b"\0" * 8 + strings.entries(fixed), **strings.streams}


class _Strings:
    """The __substg1.0_ streams of one storage, and the size entries its properties stream lists."""

    def __init__(self, string8: str | None):
        self.string8 = string8
        self.streams: dict = {}
        self.sizes: list[tuple[int, int, int]] = []

    def add(self, prop_id: int, text: str) -> None:
        if not text:
            return
        if self.string8:
            kind, data, terminator = PT_STRING8, text.encode(self.string8), 1
        else:
            kind, data, terminator = PT_UNICODE, text.encode("utf-16-le"), 2
        self.streams[f"__substg1.0_{prop_id:04X}{kind:04X}"] = data
        self.sizes.append((prop_id, kind, len(data) + terminator))

    def entries(self, fixed: list[tuple[int, int, int]]) -> bytes:
        """16-byte entries: tag, flags, then the value (fixed-size) or the size (variable-size)."""
        return b"".join(
            struct.pack("<IIQ", prop_id << 16 | kind, _READ_WRITE, value)
            for prop_id, kind, value in [*fixed, *self.sizes]
        )
