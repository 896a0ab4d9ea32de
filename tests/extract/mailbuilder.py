"""Building raw mail bytes by hand, so each test shows exactly the bytes it feeds the extractor.

No email.generator here on purpose: the point is to produce what real mailers send, malformed bits
included, not what the standard library would write.
"""

import base64
import random
import struct

CRLF = b"\r\n"


def pdf_bytes(size: int = 2_000, seed: int = 1) -> bytes:
    """A small but well-formed-looking PDF: header, one compressed-looking stream, xref, trailer."""
    rng = random.Random(seed)
    stream = rng.randbytes(max(0, size - 400))
    head = (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>\nendobj\n"
    )
    body = head + b"4 0 obj\n<< /Length " + str(len(stream)).encode() + b" /Filter /FlateDecode >>\nstream\n"
    body += stream + b"\nendstream\nendobj\n"
    return (
        body
        + b"xref\n0 5\ntrailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n"
        + str(len(body)).encode()
        + b"\n%%EOF\n"
    )


def png_bytes() -> bytes:
    """A 1x1 PNG."""
    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(200) + b"\xff\xd9"


def b64(data: bytes, line_length: int = 76) -> bytes:
    """Base64 wrapped at `line_length` with CRLF, as mailers write it."""
    encoded = base64.b64encode(data)
    return CRLF.join(encoded[i : i + line_length] for i in range(0, len(encoded), line_length))


def entity(headers: list[str], body: bytes = b"") -> bytes:
    """Header lines (already formatted, may be folded with CRLF) + blank line + body."""
    head = CRLF.join(h.encode("utf-8", "surrogateescape") if isinstance(h, str) else h for h in headers)
    return head + CRLF + CRLF + body


def multipart_body(boundary: str, parts: list[bytes], *, close: bool = True, preamble: bytes = b"") -> bytes:
    """The body of a multipart: preamble, parts between boundary lines, closing boundary."""
    sep = b"--" + boundary.encode()
    out = preamble + (CRLF if preamble else b"")
    for part in parts:
        out += sep + CRLF + part + CRLF
    if close:
        out += sep + b"--" + CRLF
    return out


def top_headers(subject: str = "Invoice 12/2026", **extra: str) -> list[str]:
    headers = [
        "From: Supplier s.r.o. <billing@supplier.example>",
        "To: Accounts <accounts@customer.example>",
        "Cc: boss@customer.example",
        f"Subject: {subject}",
        "Date: Tue, 03 Mar 2026 10:15:00 +0100",
        "Message-ID: <inv-12-2026@supplier.example>",
        "MIME-Version: 1.0",
    ]
    return headers + [f"{name.replace('_', '-')}: {value}" for name, value in extra.items()]


def attachment_part(
    data: bytes,
    *,
    content_type: str = 'application/pdf; name="invoice.pdf"',
    disposition: str | None = 'attachment; filename="invoice.pdf"',
    extra: list[str] = (),
) -> bytes:
    headers = [f"Content-Type: {content_type}", "Content-Transfer-Encoding: base64"]
    if disposition is not None:
        headers.append(f"Content-Disposition: {disposition}")
    return entity(headers + list(extra), b64(data))


def text_part(text: str = "Please find the invoice attached.\r\n", charset: str = "utf-8") -> bytes:
    return entity(
        [f"Content-Type: text/plain; charset={charset}", "Content-Transfer-Encoding: 8bit"],
        text.encode(charset if charset.lower() not in ("x-unknown",) else "utf-8"),
    )


def html_part(
    html: str = "<html><body><p>Please find the <b>invoice</b> attached.</p></body></html>",
) -> bytes:
    return entity(
        ["Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"],
        html.encode(),
    )


def mail_with_parts(
    parts: list[bytes], *, subject: str = "Invoice 12/2026", boundary: str = "=_mixed_1"
) -> bytes:
    """A multipart/mixed mail with the standard top headers."""
    headers = [*top_headers(subject), f'Content-Type: multipart/mixed; boundary="{boundary}"']
    return entity(
        headers, multipart_body(boundary, parts, preamble=b"This is a multi-part message in MIME format.")
    )


def invoice_mail(
    pdf: bytes | None = None, *, subject: str = "Invoice 12/2026", name: str = "invoice.pdf", tag: str = "1"
) -> bytes:
    """The common case: text + HTML alternative and one base64 PDF. `tag` makes the boundaries unique,
    for mails that are forwarded inside others."""
    alternative = entity(
        [f'Content-Type: multipart/alternative; boundary="=_alt_{tag}"'],
        multipart_body(f"=_alt_{tag}", [text_part(), html_part()]),
    )
    pdf_part = attachment_part(
        pdf if pdf is not None else pdf_bytes(),
        content_type=f'application/pdf; name="{name}"',
        disposition=f'attachment; filename="{name}"',
    )
    return mail_with_parts([alternative, pdf_part], subject=subject, boundary=f"=_mixed_{tag}")


def forwarded(inner_mail: bytes, *, named: str | None = None) -> bytes:
    """A message/rfc822 part holding `inner_mail`."""
    headers = ["Content-Type: message/rfc822" + (f'; name="{named}"' if named else "")]
    if named:
        headers.append(f'Content-Disposition: attachment; filename="{named}"')
    return entity(headers, inner_mail)


# --- TNEF (winmail.dat) -------------------------------------------------------------------------------

_TNEF_SIGNATURE = 0x223E9F78
_LVL_MESSAGE, _LVL_ATTACHMENT = 1, 2


def _tnef_attribute(level: int, attribute_id: int, attribute_type: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return (
        struct.pack("<BHHI", level, attribute_id, attribute_type, len(data))
        + data
        + struct.pack("<H", checksum)
    )


def _mapi_unicode_property(property_id: int, text: str) -> bytes:
    encoded = (text + "\x00").encode("utf-16-le")
    padding = b"\x00" * (-len(encoded) % 4)
    return struct.pack("<HHII", 0x001F, property_id, 1, len(encoded)) + encoded + padding


def tnef_bytes(files: list[tuple[str, bytes]], *, short_names: bool = True) -> bytes:
    """A winmail.dat holding `files` [(long name, data)], as Outlook writes one (attAttachRendData,
    attAttachTitle with the 8.3 name, attAttachData, attAttachment with the long name)."""
    out = struct.pack("<IH", _TNEF_SIGNATURE, 0x0001)
    out += _tnef_attribute(_LVL_MESSAGE, 0x9006, 0x0008, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += _tnef_attribute(_LVL_MESSAGE, 0x9007, 0x0006, struct.pack("<II", 1252, 0))  # attOemCodepage
    out += _tnef_attribute(_LVL_MESSAGE, 0x8008, 0x0007, b"IPM.Microsoft Mail.Note\x00")  # attMessageClass
    for long_name, data in files:
        title = (
            (long_name[:6].upper() + "~1" + long_name[long_name.rfind(".") :].upper())
            if short_names
            else long_name
        )
        out += _tnef_attribute(_LVL_ATTACHMENT, 0x9002, 0x0006, bytes(14))  # attAttachRendData
        out += _tnef_attribute(
            _LVL_ATTACHMENT, 0x8010, 0x0001, title.encode("cp1252") + b"\x00"
        )  # attAttachTitle
        out += _tnef_attribute(_LVL_ATTACHMENT, 0x800F, 0x0006, data)  # attAttachData
        mapi = struct.pack("<I", 1) + _mapi_unicode_property(0x3707, long_name)  # PR_ATTACH_LONG_FILENAME
        out += _tnef_attribute(_LVL_ATTACHMENT, 0x9005, 0x0006, mapi)  # attAttachment
    return out
