"""ZIP archives for the archive tests: built with zipfile, then patched by hand where a test needs bytes
zipfile would never write (code-page names, lying sizes, encryption flags, broken data).

Header field offsets are those of the local file header; the same fields sit 2 bytes further on in the
central directory entry (APPNOTE.TXT 4.3.7 and 4.3.12).
"""

import functools
import io
import struct
import zipfile
import zlib

_FIELDS = {"flags": (6, "<H"), "method": (8, "<H"), "crc": (14, "<I"), "compress_size": (18, "<I")}
_FIELDS["file_size"] = (22, "<I")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def zip_of(files, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A ZIP of (name, data) pairs, in order; a name ending in "/" is a directory entry."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return buffer.getvalue()


def nested_zips(depth: int) -> bytes:
    """level1.zip with level1.pdf and level2.zip, which has level2.pdf and level3.zip, ... down to `depth`."""
    archive = zip_of([(f"level{depth}.pdf", PDF)])
    for level in range(depth - 1, 0, -1):
        archive = zip_of([(f"level{level}.pdf", PDF), (f"level{level + 1}.zip", archive)])
    return archive


@functools.lru_cache(maxsize=4)
def zeros_bomb(size: int = 30 * 1024 * 1024, name: str = "zeros.bin") -> bytes:
    """A ZIP with one member of `size` zero bytes, deflated (about 1:1000), then a small PDF."""
    return zip_of([(name, bytes(size)), ("after.pdf", PDF)])


def central_entries(data: bytes) -> list[tuple[int, int]]:
    """(central directory entry offset, local header offset) of every member, in order."""
    end = data.rindex(b"PK\x05\x06")
    count, _, position = struct.unpack_from("<HII", data, end + 10)
    entries = []
    for _ in range(count):
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, position + 28)
        entries.append((position, struct.unpack_from("<I", data, position + 42)[0]))
        position += 46 + name_length + extra_length + comment_length
    return entries


def patched(data: bytes, index: int, set_flags: int = 0, **fields: int) -> bytes:
    """`data` with member `index`'s header fields (flags, method, crc, compress_size, file_size) set, and
    `set_flags` bits added to its flags, alike in its local header and its central directory entry."""
    buffer = bytearray(data)
    central, local = central_entries(data)[index]
    fields.setdefault("flags", struct.unpack_from("<H", data, local + 6)[0] | set_flags)
    for field, value in fields.items():
        offset, layout = _FIELDS[field]
        struct.pack_into(layout, buffer, local + offset, value)
        struct.pack_into(layout, buffer, central + offset + 2, value)
    return bytes(buffer)


def with_flipped_byte(data: bytes, index: int, at: int = 0) -> bytes:
    """`data` with byte `at` of member `index`'s (compressed) data inverted: its CRC no longer matches."""
    _, local = central_entries(data)[index]
    name_length, extra_length = struct.unpack_from("<HH", data, local + 26)
    position = local + 30 + name_length + extra_length + at
    return data[:position] + bytes([data[position] ^ 0xFF]) + data[position + 1 :]


def with_raw_name(data: bytes, placeholder: str, raw_name: bytes) -> bytes:
    """`data` with the ASCII name `placeholder` replaced by `raw_name` (as many bytes) in both headers,
    the UTF-8 flag left unset: what old archivers wrote in their code page."""
    assert len(placeholder.encode("ascii")) == len(raw_name)
    assert data.count(placeholder.encode()) == 2, "the placeholder must occur only in the two headers"
    return data.replace(placeholder.encode(), raw_name)


def zip_with_unicode_path(raw_name: bytes, unicode_name: str, content: bytes) -> bytes:
    """A one-member ZIP whose legacy name is `raw_name`, with an Info-ZIP Unicode Path extra field."""
    placeholder = "x" * len(raw_name)
    info = zipfile.ZipInfo(placeholder)
    body = b"\x01" + struct.pack("<I", zlib.crc32(raw_name)) + unicode_name.encode("utf-8")
    info.extra = struct.pack("<HH", 0x7075, len(body)) + body
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(info, content)
    return with_raw_name(buffer.getvalue(), placeholder, raw_name)
