"""Signed and encrypted multiparts (RFC 1847): S/MIME and OpenPGP.

multipart/signed: the first part is the content, read as usual; the second is the signature, listed as
a signature file (not a document). An S/MIME signature is checked against the content exactly as it
appears in the mail; an OpenPGP one cannot be (no public keys) and is marked unchecked.
multipart/encrypted (PGP/MIME): the encrypted data is listed as a container that can't be opened.
"""

import re

from mailboxes.extract.model import (
    CONTAINER,
    ENCRYPTED,
    ENCRYPTED_DETAIL,
    SIGNATURE,
    SIGNATURE_FAILED,
    SIGNATURE_UNCHECKED,
    SIGNATURE_VERIFIED,
    TRUNCATED,
)
from mailboxes.extract.names import raw_file_name
from mailboxes.extract.notes import Note, note
from mailboxes.extract.params import parse_structured_header
from mailboxes.extract.parts import CUT_OFF, MAIL_ENDS_INSIDE
from mailboxes.extract.smime import SignatureCheck, check_detached_signature
from mailboxes.extract.transfer import decode_body

NOT_LOCATED = note("extract.signed_content_not_located")
OPENPGP_UNCHECKED = note("extract.openpgp_unchecked")
SIGNATURE_TYPES = frozenset(
    {"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"}
)
_PGP_VERSION_TYPE = "application/pgp-encrypted"


def visit_secured(walker, part, origin: str, wants_text: bool) -> None:
    if part.content_type == "multipart/encrypted":
        for child in part.children:
            if child.content_type != _PGP_VERSION_TYPE:  # "Version: 1": the protocol's marker, not data
                _add_encrypted(walker, child, origin)
        return
    if not part.children:
        return
    content, *rest = part.children
    walker.visit(content, origin, wants_text=wants_text, parent_type=part.content_type)
    protocol = parse_structured_header(part.header("content-type")).params.get("protocol", "").lower()
    for child in rest:
        if not _is_signature(child):
            walker.visit(child, origin, wants_text=False, parent_type=part.content_type, position=1)
            continue
        signature = _add_part(walker, child, origin, role=SIGNATURE, default_name=_signature_name(child))
        if child.content_type == "application/pgp-signature" or "pgp" in protocol:
            walker.record_signature(None, origin)
        else:
            signed_bytes = _signed_content(part, walker.raw)
            if signed_bytes is None:
                check = SignatureCheck(False, "", NOT_LOCATED)
            else:
                check = check_detached_signature(signed_bytes, signature.data)
            walker.record_signature(check, origin)


def signature_state(check) -> tuple[str, Note | str]:
    """(state, detail) for a mail from an S/MIME check, or for an OpenPGP signature (None): the signer's
    address when it verifies, else a Note saying why not."""
    if check is None:
        return SIGNATURE_UNCHECKED, OPENPGP_UNCHECKED
    if check.verified:
        return SIGNATURE_VERIFIED, check.signer_address
    if not check.signer_address:
        return SIGNATURE_FAILED, check.problem
    detail = note("extract.signature_problem_of", problem=check.problem, signer=check.signer_address)
    return SIGNATURE_FAILED, detail


def _is_signature(part) -> bool:
    # Some mailers send the signature as application/octet-stream; its name still says what it is.
    if part.content_type in SIGNATURE_TYPES:
        return True
    return part.content_type == "application/octet-stream" and raw_file_name(part).lower().endswith(
        _SIGNATURE_NAMES
    )


_SIGNATURE_NAMES = (".p7s", ".asc", ".sig")


def _signature_name(part) -> str:
    return "signature.asc" if part.content_type == "application/pgp-signature" else "smime.p7s"


def _add_encrypted(walker, part, origin: str) -> None:
    _add_part(
        walker,
        part,
        origin,
        role=CONTAINER,
        default_name="encrypted.asc",
        problem=ENCRYPTED,
        detail=ENCRYPTED_DETAIL,
    )


def _add_part(walker, part, origin: str, *, default_name: str, **kind):
    decoded = decode_body(part)
    if CUT_OFF in part.defects and "problem" not in kind:
        kind |= {"problem": TRUNCATED, "detail": MAIL_ENDS_INSIDE}
    return walker.add(
        raw_file_name(part) or default_name,
        decoded.data,
        part.content_type,
        origin,
        note=decoded.note,
        **kind,
    )


def _signed_content(part, raw: bytes) -> bytes | None:
    """The first part of a multipart/signed, byte for byte as the signer hashed it: from the line after
    the first boundary line to the line break before the next (RFC 1847 §2.1)."""
    boundary = parse_structured_header(part.header("content-type")).params.get("boundary")
    if not boundary:
        return None
    # A whole boundary line only: "--b" also begins the lines of an inner boundary "b-inner".
    line = re.compile(
        rb"(?m)^--" + re.escape(boundary.encode("utf-8", "surrogateescape")) + rb"(?:--)?[ \t]*\r?$"
    )
    # The fast parser's part lies in its buffer after body_start; the standard library's has no buffer.
    for buffer, start in ((part.source, part.body_start), (raw, 0)):
        first = line.search(buffer, start)
        following = line.search(buffer, first.end() + 1) if first else None
        if following is None:
            continue
        end = following.start() - 1  # the line break before a boundary belongs to the boundary
        if buffer[end - 1 : end] == b"\r":
            end -= 1
        return buffer[first.end() + 1 : end]
    return None
