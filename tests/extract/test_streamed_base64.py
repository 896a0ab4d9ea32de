"""Large base64 attachments decoded into spool files (mailboxes.extract.streaming) give exactly what
decoding in memory gives: the same bytes, size, digest, type, problems and notes, for well-formed bodies
and for every shape the repair path handles (those go the in-memory way)."""

import base64
import mmap
import os
import random

import pytest

from mailboxes.extract import extract_mail, streaming
from mailboxes.polling import spooling

SIZE = streaming.STREAM_FROM + 200_000
_rng = random.Random(15)


def _mail(body: bytes, content_type: str = "application/pdf", name: str = "x.pdf") -> bytes:
    encoded = base64.encodebytes(body).replace(b"\n", b"\r\n")
    return _mail_encoded(encoded, content_type, name)


def _mail_encoded(encoded: bytes, content_type: str = "application/pdf", name: str = "x.pdf") -> bytes:
    return (
        b'From: a@b.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\n"
        b"Content-Type: " + content_type.encode() + b'; name="' + name.encode() + b'"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded + b"\r\n--b--\r\n"
    )


def _pdf(cut: int = 0) -> bytes:
    data = b"%PDF-1.7\n" + _rng.randbytes(SIZE) + b"\n%%EOF\n"
    return data[: len(data) - cut]


def _lone_character_at_the_end(encoded: bytes) -> bytes:
    """Cut to one letter more than a multiple of four: a truncated body, for the repair path."""
    encoded = encoded.rstrip(b"=")
    while len(encoded.translate(None, b"\r\n")) % 4 != 1:
        encoded = encoded[:-1].rstrip()
    return encoded


_ENCODED = base64.encodebytes(_pdf()).replace(b"\n", b"\r\n").rstrip()
SHAPES = {
    "pdf": _mail(_pdf()),
    "pdf cut off": _mail(_pdf(cut=10)),
    "jpeg with a trailer": _mail(
        b"\xff\xd8\xff\xe0" + _rng.randbytes(SIZE) + b"\xff\xd9" + b"\0" * 9, "image/jpeg", "a.jpg"
    ),
    "jpeg cut off": _mail(b"\xff\xd8\xff\xe0" + _rng.randbytes(SIZE), "image/jpeg", "a.jpg"),
    "gif": _mail(b"GIF89a" + _rng.randbytes(SIZE) + b";\0\0", "image/gif", "a.gif"),
    "zip (a container)": _mail(b"PK\x03\x04" + _rng.randbytes(SIZE), "application/zip", "a.zip"),
    "stray characters": _mail_encoded(_ENCODED.replace(b"\r\n", b"\r\n!", 500)),
    "padding missing": _mail_encoded(_ENCODED.rstrip(b"=")[:-1]),
    "a lone character at the end": _mail_encoded(_lone_character_at_the_end(_ENCODED)),
    "padding in the middle": _mail_encoded(
        _ENCODED[: len(_ENCODED) // 2] + b"==" + _ENCODED[len(_ENCODED) // 2 :]
    ),
}  # fmt: skip
STREAMED = ("pdf", "pdf cut off", "jpeg with a trailer", "jpeg cut off", "gif", "stray characters")
_COMPARED = ("display_name", "size", "sha256", "sniffed_type", "role", "problem", "problem_detail")


@pytest.fixture
def spool(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    spool = spooling.Spool("spooled")
    yield spool
    spool.discard()


@pytest.mark.parametrize("shape", SHAPES)
def test_streamed_is_what_memory_gives(shape, spool, tmp_path):
    raw = SHAPES[shape]
    path = tmp_path / "mail.eml"
    path.write_bytes(raw)
    with open(path, "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    in_memory, streamed = extract_mail(raw), extract_mail(mapped, spool)
    assert (streamed.text, streamed.defects) == (in_memory.text, in_memory.defects)
    for expected, found in zip(in_memory.attachments, streamed.attachments, strict=True):
        assert [getattr(found, name) for name in _COMPARED] == [getattr(expected, name) for name in _COMPARED]
        data = (tmp_path / found.spooled).read_bytes() if found.spooled else found.data
        assert data == expected.data
    spooled = [a.spooled for a in streamed.attachments if a.spooled]
    well_formed = shape in (
        "pdf",
        "pdf cut off",
        "jpeg with a trailer",
        "jpeg cut off",
        "gif",
        "stray characters",
    )
    assert bool(spooled) == well_formed  # only what binascii decodes in one call is streamed
    folder = tmp_path / "spooled"
    left = sorted(os.listdir(folder)) if folder.exists() else []
    assert left == sorted(os.path.basename(name) for name in spooled)  # nothing of a fallback stays
