"""Every extraction case, end to end: mails built here, appended to a real Dovecot, polled into a buffer."""

from django.core.files.storage import default_storage

from mailboxes.models import Attachment, Buffer, Message
from mailboxes.polling.poll import poll_mailbox
from tests.extract.mailbuilder import (
    attachment_part,
    b64,
    entity,
    forwarded,
    invoice_mail,
    jpeg_bytes,
    mail_with_parts,
    multipart_body,
    pdf_bytes,
    png_bytes,
    text_part,
    tnef_bytes,
    top_headers,
)

PDF = pdf_bytes(3000)
LONG = "Faktura VAT nr " + "1234567890 " * 25 + ".pdf"


def named_pdf(content_type, disposition=None, data=PDF):
    return mail_with_parts(
        [text_part(), attachment_part(data, content_type=content_type, disposition=disposition)]
    )


# (case id, raw mail, expected attachments as (display name, sniffed type, text expected in origin))
CASES = [
    (
        "rfc2231-continuation-iso-8859-2",
        named_pdf(
            "application/pdf",
            "attachment; filename*0*=iso-8859-2''Faktura%20za%BF%F3%B3; filename*1*=%E6.pdf",
        ),
        [("Faktura zażółć.pdf", "application/pdf", "")],
    ),
    (
        "rfc2047-windows-1250",
        named_pdf('application/pdf; name="=?windows-1250?B?xvFmYWt0dXJhLnBkZg==?="', None),
        [("Ćńfaktura.pdf", "application/pdf", "")],
    ),
    (
        "raw-8bit-utf8-name",
        named_pdf("application/pdf", 'attachment; filename="Rachunek łódź.pdf"'),
        [("Rachunek łódź.pdf", "application/pdf", "")],
    ),
    (
        "name-only-in-content-type",
        named_pdf('application/pdf; name="only-ct.pdf"', None),
        [("only-ct.pdf", "application/pdf", "")],
    ),
    (
        "inline-image-with-name",
        mail_with_parts(
            [
                text_part(),
                attachment_part(
                    png_bytes(),
                    content_type='image/png; name="logo.png"',
                    disposition='inline; filename="logo.png"',
                    extra=["Content-ID: <logo>"],
                ),
            ]
        ),
        [("logo.png", "image/png", "")],
    ),
    (
        "forwarded-two-levels",
        mail_with_parts(
            [
                text_part(),
                forwarded(
                    mail_with_parts(
                        [
                            text_part(),
                            forwarded(invoice_mail(subject="Deep invoice", name="deep.pdf", tag="in")),
                        ],
                        subject="Fwd: Deep invoice",
                        boundary="=_mid",
                    )
                ),
            ],
            boundary="=_outer",
        ),
        [("deep.pdf", "application/pdf", "Deep invoice")],
    ),
    (
        "winmail-dat",
        named_pdf(
            'application/ms-tnef; name="winmail.dat"',
            'attachment; filename="winmail.dat"',
            data=tnef_bytes([("Faktura z Outlooka.pdf", PDF), ("skan.jpg", jpeg_bytes())]),
        ),
        [
            ("Faktura z Outlooka.pdf", "application/pdf", "winmail.dat"),
            ("skan.jpg", "image/jpeg", "winmail.dat"),
        ],
    ),
    (
        "declared-type-lies",
        named_pdf('image/jpeg; name="scan.jpg"', 'attachment; filename="scan.jpg"'),
        [("scan.jpg", "application/pdf", "")],
    ),
    (
        "duplicate-names",
        mail_with_parts([text_part(), attachment_part(PDF), attachment_part(pdf_bytes(2500, seed=2))]),
        [("invoice.pdf", "application/pdf", ""), ("invoice.pdf", "application/pdf", "")],
    ),
    (
        "windows-path-in-name",
        named_pdf("application/pdf", 'attachment; filename="C:\\\\Users\\\\anna\\\\Desktop\\\\fv.pdf"'),
        [("fv.pdf", "application/pdf", "")],
    ),
    (
        "zero-byte-file",
        mail_with_parts(
            [
                text_part(),
                entity(
                    [
                        'Content-Type: application/octet-stream; name="empty.bin"',
                        'Content-Disposition: attachment; filename="empty.bin"',
                        "Content-Transfer-Encoding: base64",
                    ],
                    b"",
                ),
            ]
        ),
        [("empty.bin", "application/x-empty", "")],
    ),
    (
        "very-long-name",
        named_pdf("application/pdf", f'attachment; filename="{LONG}"'),
        [(LONG[:146].rstrip() + ".pdf", "application/pdf", "")],
    ),
    (
        "missing-final-boundary",
        entity(
            [*top_headers(), 'Content-Type: multipart/mixed; boundary="b1"'],
            multipart_body("b1", [text_part(), attachment_part(PDF)], close=False),
        ),
        [("invoice.pdf", "application/pdf", "")],
    ),
    (
        "ragged-base64",
        mail_with_parts(
            [
                text_part(),
                entity(
                    ['Content-Type: application/pdf; name="ragged.pdf"', "Content-Transfer-Encoding: base64"],
                    b64(PDF, 50).replace(b"\r\n", b" \r\n\t", 3).rstrip(b"=") + b"\r\n!!",
                ),
            ]
        ),
        [("ragged.pdf", "application/pdf", "")],
    ),
    (
        "no-date-no-message-id",
        entity(
            [
                "From: a@b.example",
                "Subject: bare",
                'Content-Type: application/pdf; name="bare.pdf"',
                "Content-Transfer-Encoding: base64",
            ],
            b64(PDF),
        ),
        [("bare.pdf", "application/pdf", "")],
    ),
]


def test_every_extraction_case_survives_imap_and_polling(make_mailbox, dovecot, world_a):
    user = dovecot.add_user()
    with dovecot.connect(user.login) as client:
        for case_id, raw, _ in CASES:
            client.append("INBOX", raw.replace(b"Subject: ", f"X-Case: {case_id}\r\nSubject: ".encode(), 1))
    mailbox = make_mailbox(port=dovecot.imaps_port, login=user.login, password=user.password)
    buffer = Buffer.all_tenants.create(tenant=world_a.tenant, name="cases", mailbox=mailbox)
    assert poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk]).new_messages == {buffer.pk: len(CASES)}

    messages = Message.all_tenants.filter(buffer=buffer).order_by("uid")
    for (case_id, _, want), message in zip(CASES, messages, strict=True):
        got = list(Attachment.all_tenants.filter(message=message, role="document").order_by("position"))
        assert [(a.display_name, a.sniffed_type) for a in got] == [(n, t) for n, t, _ in want], case_id
        for attachment, (_, _, origin) in zip(got, want, strict=True):
            assert origin in attachment.origin, case_id
            data = default_storage.open(attachment.file.name).read()
            assert len(data) == attachment.size, case_id
        assert message.state == Message.State.NEW, (case_id, message.unreadable_reason)
    bare = messages.get(subject="bare")
    assert bare.message_id == "" and bare.header_date is None and bare.received_at is not None
