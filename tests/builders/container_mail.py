"""Raw mails carrying containers, as real mailers send them: S/MIME clear- and opaque-signed, S/MIME and
PGP/MIME encrypted, Outlook .msg, forwarded .eml under a generic type, uuencoded bodies, ZIP archives,
AppleDouble, pictures drawn by the HTML, detached OpenPGP signatures. Built on tests/extract/mailbuilder.py
(byte by byte, no email.generator) and the S/MIME, .msg and ZIP builders; shared by the extraction tests
and the IMAP ones.
"""

import binascii

from tests.builders.archives import zip_of
from tests.builders.outlook_msg import MsgAttachment, OutlookMessage, msg_bytes
from tests.builders.smime import SignerIdentity, detached_signature, enveloped, opaque_signed
from tests.extract.mailbuilder import (
    CRLF,
    attachment_part,
    entity,
    html_part,
    invoice_mail,
    mail_with_parts,
    multipart_body,
    pdf_bytes,
    png_bytes,
    text_part,
    top_headers,
)

PDF = pdf_bytes(2500)
OTHER_PDF = pdf_bytes(2600, seed=7)
SIGNED_TEXT = "Please find the invoice attached.\r\n"
PGP_ARMOUR = (
    b"-----BEGIN PGP MESSAGE-----\r\n\r\nhQEMA1234567890ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop\r\n"
    b"=abcd\r\n-----END PGP MESSAGE-----\r\n"
)


def signed_content(name: str = "signed-invoice.pdf", data: bytes = PDF) -> bytes:
    """The first part of a multipart/signed as Thunderbird writes it: text and a PDF in a multipart/mixed."""
    return entity(
        ['Content-Type: multipart/mixed; boundary="=_signed_inner"'],
        multipart_body(
            "=_signed_inner",
            [
                text_part(SIGNED_TEXT),
                attachment_part(
                    data,
                    content_type=f'application/pdf; name="{name}"',
                    disposition=f'attachment; filename="{name}"',
                ),
            ],
            preamble=b"This is a multi-part message in MIME format.",
        ),
    )


def smime_signature_part(signature: bytes) -> bytes:
    return attachment_part(
        signature,
        content_type='application/pkcs7-signature; name="smime.p7s"',
        disposition='attachment; filename="smime.p7s"',
        extra=["Content-Description: S/MIME Cryptographic Signature"],
    )


def clear_signed_mail(
    identity: SignerIdentity,
    *,
    subject: str = "Signed invoice",
    boundary="------------ms050405070101010502050101",
) -> bytes:
    """multipart/signed; protocol="application/pkcs7-signature": the content, then smime.p7s (base64)."""
    content = signed_content()
    signature = detached_signature(content, identity)
    headers = [
        *top_headers(subject),
        'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256;'
        f' boundary="{boundary}"',
    ]
    return entity(
        headers,
        multipart_body(
            boundary,
            [content, smime_signature_part(signature)],
            preamble=b"This is a cryptographically signed message in MIME format.",
        ),
    )


def opaque_signed_mail(identity: SignerIdentity, *, subject: str = "Opaque signed invoice") -> bytes:
    """application/pkcs7-mime; smime-type=signed-data; name=smime.p7m, base64: the mail inside it."""
    p7m = opaque_signed(signed_content("opaque-invoice.pdf"), identity)
    return smime_top_level(p7m, "signed-data", subject)


def smime_top_level(p7m: bytes, smime_type: str, subject: str) -> bytes:
    headers = [
        *top_headers(subject),
        f'Content-Type: application/pkcs7-mime; smime-type={smime_type}; name="smime.p7m"',
        "Content-Transfer-Encoding: base64",
        'Content-Disposition: attachment; filename="smime.p7m"',
        "Content-Description: S/MIME Cryptographic Signature",
    ]
    return entity(headers, attachment_body(p7m))


def attachment_body(data: bytes) -> bytes:
    return attachment_part(data).split(CRLF + CRLF, 1)[1]


def smime_encrypted_mail(recipient: SignerIdentity, *, subject: str = "Encrypted invoice") -> bytes:
    return smime_top_level(enveloped(signed_content(), recipient), "enveloped-data", subject)


def signed_then_encrypted_mail(identity: SignerIdentity, *, opaque: bool) -> bytes:
    """Encrypted data wrapped in a signature: opaque (a .p7m in a .p7m) or clear-signed."""
    encrypted = entity(
        ['Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"'],
        attachment_body(enveloped(signed_content(), identity)),
    ).replace(b"\r\n\r\n", b"\r\nContent-Transfer-Encoding: base64\r\n\r\n", 1)
    if opaque:
        return smime_top_level(opaque_signed(encrypted, identity), "signed-data", "Signed and encrypted")
    headers = [
        *top_headers("Signed and encrypted"),
        'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary="=_wrap"',
    ]
    parts = [encrypted, smime_signature_part(detached_signature(encrypted, identity))]
    return entity(headers, multipart_body("=_wrap", parts))


def smime_encrypted_part(recipient: SignerIdentity) -> bytes:
    return attachment_part(
        enveloped(signed_content(), recipient),
        content_type='application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"',
        disposition='attachment; filename="smime.p7m"',
    )


def pgp_encrypted_entity(boundary: str = "=_pgp") -> tuple[list[str], bytes]:
    """(Content-Type header, body) of PGP/MIME (RFC 3156): the "Version: 1" part and the encrypted data."""
    parts = [
        entity(
            ["Content-Type: application/pgp-encrypted", "Content-Description: PGP/MIME version"],
            b"Version: 1",
        ),
        entity(
            [
                'Content-Type: application/octet-stream; name="encrypted.asc"',
                "Content-Description: OpenPGP encrypted message",
                'Content-Disposition: inline; filename="encrypted.asc"',
            ],
            PGP_ARMOUR,
        ),
    ]
    header = f'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="{boundary}"'
    body = multipart_body(
        boundary, parts, preamble=b"This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)"
    )
    return [header], body


def pgp_encrypted_mail(*, subject: str = "PGP invoice") -> bytes:
    header, body = pgp_encrypted_entity()
    return entity([*top_headers(subject), *header], body)


def pgp_encrypted_inside_mail() -> bytes:
    header, body = pgp_encrypted_entity("=_pgp_inner")
    return mail_with_parts([text_part(), entity(header, body)], subject="Partly encrypted")


def pgp_signed_mail() -> bytes:
    """multipart/signed; protocol="application/pgp-signature" with a detached signature.asc."""
    content = text_part("Signed with OpenPGP.\r\n")
    signature = entity(
        [
            'Content-Type: application/pgp-signature; name="signature.asc"',
            "Content-Description: OpenPGP digital signature",
            'Content-Disposition: attachment; filename="signature.asc"',
        ],
        b"-----BEGIN PGP SIGNATURE-----\r\n\r\niQEzBAEBCAAdFiEE\r\n=x1y2\r\n-----END PGP SIGNATURE-----\r\n",
    )
    headers = [
        *top_headers("PGP signed"),
        'Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature";'
        ' boundary="=_pgpsig"',
    ]
    return entity(headers, multipart_body("=_pgpsig", [content, signature]))


def outlook_message() -> bytes:
    """An Outlook .msg with a PDF and an embedded (forwarded) message holding another PDF."""
    embedded = OutlookMessage(
        "Re: Zamówienie", "", [MsgAttachment("zamowienie.pdf", OTHER_PDF, "application/pdf")]
    )
    return msg_bytes(
        "Faktura 12/2026",
        "W załączeniu faktura.",
        [MsgAttachment("faktura-msg.pdf", PDF, "application/pdf"), MsgAttachment(embedded=embedded)],
    )


def msg_mail(content_type: str, disposition: str | None, subject: str = "Outlook item") -> bytes:
    return mail_with_parts(
        [text_part(), attachment_part(outlook_message(), content_type=content_type, disposition=disposition)],
        subject=subject,
    )


def eml_part(inner: bytes, *, name: str | None, content_type: str = "application/octet-stream") -> bytes:
    """A mail sent as a plain file (not message/rfc822), base64-encoded as mailers do."""
    if name is None:
        return attachment_part(inner, content_type=content_type, disposition=None)
    return attachment_part(
        inner, content_type=f'{content_type}; name="{name}"', disposition=f'attachment; filename="{name}"'
    )


def eml_chain(depth: int, innermost: bytes | None = None) -> bytes:
    """`depth` mails each attached to the next as application/octet-stream "level<n>.eml"; the innermost
    (level `depth`) holds deep.pdf unless `innermost` is given."""
    mail = innermost or invoice_mail(subject=f"Level {depth}", name="deep.pdf", tag=f"l{depth}")
    for level in range(depth - 1, 0, -1):
        mail = mail_with_parts(
            [text_part(), eml_part(mail, name=f"level{level + 1}.eml")],
            subject=f"Level {level}",
            boundary=f"=_level_{level}",
        )
    return mail


def uuencoded(name: str, data: bytes, newline: bytes = CRLF) -> bytes:
    """`begin 644 name` … `end` as Outlook Express wrote it."""
    lines = [binascii.b2a_uu(data[i : i + 45]).rstrip(b"\n") for i in range(0, len(data), 45)]
    return newline.join([f"begin 644 {name}".encode(), *lines, b"`", b"end"]) + newline


def uuencoded_mail(files: list[tuple[str, bytes]], newline: bytes = CRLF) -> bytes:
    body = b"Faktury w zalaczeniu." + newline + newline
    for name, data in files:
        body += uuencoded(name, data, newline) + newline
    body += b"Pozdrawiam" + newline
    headers = [*top_headers("uuencoded"), "Content-Type: text/plain; charset=us-ascii"]
    return entity(headers, body).replace(CRLF, newline)


def zip_mail(archive: bytes, name: str = "faktury.zip", content_type: str = "application/zip") -> bytes:
    return mail_with_parts(
        [
            text_part(),
            attachment_part(
                archive,
                content_type=f'{content_type}; name="{name}"',
                disposition=f'attachment; filename="{name}"',
            ),
        ],
        subject="Archive",
    )


def invoices_zip() -> bytes:
    return zip_of([("faktura1.pdf", PDF), ("faktura2.pdf", OTHER_PDF)])


def appledouble_mail() -> bytes:
    """Apple Mail's multipart/appledouble: the resource fork (application/applefile), then the data."""
    fork = attachment_part(
        b"\x00\x05\x16\x07\x00\x02\x00\x00" + bytes(40),
        content_type='application/applefile; name="faktura-mac.pdf"',
        disposition='inline; filename="faktura-mac.pdf"',
    )
    data = attachment_part(
        PDF,
        content_type='application/pdf; name="faktura-mac.pdf"',
        disposition='inline; filename="faktura-mac.pdf"',
    )
    double = entity(
        ['Content-Type: multipart/appledouble; boundary="=_apple"'], multipart_body("=_apple", [fork, data])
    )
    return mail_with_parts([text_part(), double], subject="From a Mac")


def html_with_picture_mail(*, named_picture: bool = True) -> bytes:
    """Outlook's shape: related[alternative[plain, html], picture drawn by cid:] and a PDF beside it."""
    html = '<html><body><p>Invoice attached.</p><img src="cid:image001.png@01DA0000.00000000"></body></html>'
    alternative = entity(
        ['Content-Type: multipart/alternative; boundary="=_alt_pic"'],
        multipart_body("=_alt_pic", [text_part(), html_part(html)]),
    )
    name = '; name="image001.png"' if named_picture else ""
    picture = attachment_part(
        png_bytes(),
        content_type=f"image/png{name}",
        disposition='inline; filename="image001.png"' if named_picture else None,
        extra=["Content-ID: <image001.png@01DA0000.00000000>"],
    )
    related = entity(
        ['Content-Type: multipart/related; type="multipart/alternative"; boundary="=_rel"'],
        multipart_body("=_rel", [alternative, picture]),
    )
    return mail_with_parts([related, attachment_part(PDF)], subject="With logo")
