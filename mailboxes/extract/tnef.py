"""Outlook's winmail.dat (TNEF): the files packed inside it become the mail's attachments.

Decoding is left to tnefparse (pure Python, no dependencies, maintained); this module only decides
what counts as TNEF, reads names and types from the MAPI properties, and turns every failure into
TnefError so the caller can keep the winmail.dat itself instead.
"""

import struct
from dataclasses import dataclass

from tnefparse import TNEF

from mailboxes.extract.charsets import decode_bytes
from mailboxes.extract.notes import Note, note

TNEF_SIGNATURE = b"\x78\x9f\x3e\x22"  # 0x223E9F78, little-endian
TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
# Embedded Outlook items may themselves carry TNEF with attachments; a few levels is all real mail has.
MAX_EMBEDDING = 5

# MAPI property ids (MS-OXPROPS).
_ATTACH_LONG_FILENAME = 0x3707
_ATTACH_FILENAME = 0x3704
_DISPLAY_NAME = 0x3001
_ATTACH_MIME_TAG = 0x370E
_ATTACH_CONTENT_ID = 0x3712
_ATTACHMENT_HIDDEN = 0x7FFE


class TnefError(Exception):
    """The TNEF data could not be unpacked; `note` says why (a Note, or the parser's own words)."""

    def __init__(self, said: "Note | str"):
        super().__init__(said.code if isinstance(said, Note) else said)
        self.note = said


@dataclass(frozen=True)
class TnefFile:
    """One file from inside a winmail.dat; `path` names embedded Outlook items it sat in, if any."""

    name: str
    data: bytes
    declared_type: str
    is_inline: bool
    path: tuple[str, ...] = ()


def looks_like_tnef(declared_type: str, name: str, data: bytes) -> bool:
    """TNEF by declared type, by the name Outlook always gives it, or by its signature."""
    return declared_type in TNEF_TYPES or name.strip().lower() == "winmail.dat" or data[:4] == TNEF_SIGNATURE


def unpack_tnef(data: bytes) -> list[TnefFile]:
    """The files inside TNEF `data`, in order. Raises TnefError if it cannot be read."""
    if data[:4] != TNEF_SIGNATURE:
        raise TnefError(note("extract.tnef_no_signature"))
    try:
        return _files_of(TNEF(data, do_checksum=False), (), 0)
    except TnefError:
        raise
    except Exception as error:  # tnefparse raises whatever its struct reads hit on truncated data
        raise TnefError(f"{type(error).__name__}: {error}"[:200]) from error


def is_cut_off(data: bytes) -> bool:
    """Whether TNEF `data` ends inside an attribute: tnefparse keeps what is there without a word."""
    position = len(TNEF_SIGNATURE) + 2  # the signature and the legacy key
    # Each attribute: level (1 = message, 2 = attachment), id (2), type (2), length (4), data, checksum (2).
    while position + 9 <= len(data) and data[position] in (1, 2):
        (length,) = struct.unpack_from("<I", data, position + 5)
        position += 9 + length + 2
    # Zero bytes after the last attribute are padding, not a lost one.
    return position > len(data) or bool(data[position:].strip(b"\x00"))


def _files_of(tnef: TNEF, path: tuple[str, ...], level: int) -> list[TnefFile]:
    files = []
    for attachment in tnef.attachments:
        properties = {prop.name: prop for prop in attachment.mapi_attrs}
        name = _name_of(attachment, properties, tnef.codepage)
        embedded = getattr(attachment, "embed", None)
        if embedded is not None:
            # An attached Outlook item: like a forwarded mail, its own attachments are what we want.
            if level < MAX_EMBEDDING:
                files.extend(_files_of(embedded, (*path, name or "embedded item"), level + 1))
            continue
        files.append(
            TnefFile(
                name=name,
                data=bytes(attachment.data or b""),
                declared_type=_text_property(properties.get(_ATTACH_MIME_TAG), tnef.codepage).lower()
                or "application/octet-stream",
                is_inline=_ATTACH_CONTENT_ID in properties or _flag(properties.get(_ATTACHMENT_HIDDEN)),
                path=path,
            )
        )
    return files


def _name_of(attachment, properties: dict, codepage: str | None) -> str:
    # The long name lives among the MAPI properties; the attachment title is an 8.3 short name.
    for property_id in (_ATTACH_LONG_FILENAME, _DISPLAY_NAME, _ATTACH_FILENAME):
        name = _text_property(properties.get(property_id), codepage)
        if name:
            return name
    title = getattr(attachment, "_name", b"")  # tnefparse's public .name decodes as strict UTF-8 and raises
    return _as_text(title, codepage)


def _text_property(prop, codepage: str | None) -> str:
    if prop is None:
        return ""
    try:
        return _as_text(prop.data, codepage)
    except Exception:  # a property of an unexpected type: treat as absent
        return ""


def _as_text(value, codepage: str | None) -> str:
    if isinstance(value, bytes):
        value = decode_bytes(value, codepage)[0]
    return str(value or "").strip("\x00").strip()


def _flag(prop) -> bool:
    try:
        return bool(prop is not None and prop.data)
    except Exception:
        return False
