"""Every extraction case, end to end: mails built here, appended to a real Dovecot, polled into a buffer."""

from django.core.files.storage import default_storage

from intake import reasons
from mailboxes.models import Attachment, Buffer, Message
from mailboxes.polling.poll import poll_mailbox
from tests.builders.archives import patched
from tests.builders.container_mail import (
    appledouble_mail,
    clear_signed_mail,
    eml_part,
    html_with_picture_mail,
    invoices_zip,
    msg_mail,
    opaque_signed_mail,
    pgp_encrypted_mail,
    pgp_signed_mail,
    smime_encrypted_mail,
    uuencoded_mail,
    zip_mail,
)
from tests.builders.smime import signer_identity
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


def polled(cases, dovecot, make_mailbox, world_a, name: str):
    """The cases' mails appended to a new Dovecot user's INBOX and polled into buffer `name`, in order."""
    user = dovecot.add_user()
    with dovecot.connect(user.login) as client:
        for case_id, raw, *_ in cases:
            client.append("INBOX", raw.replace(b"Subject: ", f"X-Case: {case_id}\r\nSubject: ".encode(), 1))
    mailbox = make_mailbox(port=dovecot.imaps_port, login=user.login, password=user.password)
    buffer = Buffer.all_tenants.create(tenant=world_a.tenant, name=name, mailbox=mailbox)
    assert poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk]).new_messages == {buffer.pk: len(cases)}
    return Message.all_tenants.filter(buffer=buffer).order_by("uid")


def test_every_extraction_case_survives_imap_and_polling(make_mailbox, dovecot, world_a):
    messages = polled(CASES, dovecot, make_mailbox, world_a, "cases")
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


SIGNER = "signer@example.com"
ENCRYPTED = "encrypted — can't be opened"
_REASONS = {"unreadable_reason", "signature_detail"}
DOC, BOX, SIG = "document", "container", "signature"
# (case id, raw mail, every attachment as (name, role, problem, text expected in origin), Message fields)
CONTAINER_CASES = [
    (
        "smime-clear-signed",
        clear_signed_mail(signer_identity("rsa", SIGNER)),
        [("signed-invoice.pdf", DOC, "", ""), ("smime.p7s", SIG, "", "")],
        {"signature": "verified", "signature_detail": SIGNER},
    ),
    (
        "smime-opaque-signed",
        opaque_signed_mail(signer_identity("rsa", SIGNER)),
        [("smime.p7m", BOX, "", ""), ("opaque-invoice.pdf", DOC, "", "")],
        {"signature": "verified", "signature_detail": SIGNER},
    ),
    (
        "smime-encrypted",
        smime_encrypted_mail(signer_identity("rsa", SIGNER)),
        [("smime.p7m", BOX, "encrypted", "")],
        {"unreadable_reason": ENCRYPTED, "state": Message.State.UNREADABLE, "attachment_problems": 1},
    ),
    (
        "pgp-mime-encrypted",
        pgp_encrypted_mail(),
        [("encrypted.asc", BOX, "encrypted", "")],
        {"unreadable_reason": ENCRYPTED, "state": Message.State.UNREADABLE, "attachment_problems": 1},
    ),
    (
        "outlook-msg",
        msg_mail('application/vnd.ms-outlook; name="Faktura.msg"', 'attachment; filename="Faktura.msg"'),
        [
            ("Faktura.msg", BOX, "", ""),
            ("faktura-msg.pdf", DOC, "", "Faktura.msg"),
            ("zamowienie.pdf", DOC, "", "Re: Zamówienie"),
        ],
        {"attachment_count": 2},
    ),
    (
        "eml-as-octet-stream",
        mail_with_parts(
            [text_part(), eml_part(invoice_mail(subject="Inner", name="inner.pdf", tag="e"), name="Fwd.eml")]
        ),
        [("inner.pdf", DOC, "", "forwarded: Inner")],
        {},
    ),
    (
        "uuencoded-body",
        uuencoded_mail([("faktura.pdf", PDF)]),
        [("faktura.pdf", DOC, "", "")],
        {},
    ),
    (
        "zip-with-encrypted-member",
        zip_mail(patched(invoices_zip(), 1, set_flags=1)),
        [
            ("faktury.zip", BOX, "", ""),
            ("faktura1.pdf", DOC, "", "inside faktury.zip"),
            ("faktura2.pdf", DOC, "encrypted", "inside faktury.zip"),
        ],
        {"attachment_count": 2, "attachment_problems": 1},
    ),
    (
        "appledouble",
        appledouble_mail(),
        [("faktura-mac.pdf", "resource_fork", "", ""), ("faktura-mac.pdf", DOC, "", "")],
        {"attachment_count": 1},
    ),
    (
        "picture-in-html",
        html_with_picture_mail(),
        [("image001.png", "picture", "", ""), ("invoice.pdf", DOC, "", "")],
        {"attachment_count": 1},
    ),
    (
        "pgp-detached-signature",
        pgp_signed_mail(),
        [("signature.asc", SIG, "", "")],
        {"signature": "unchecked", "signature_detail": "OpenPGP signature; not checked (no public key)"},
    ),
]
NOT_SIGNED = {"signature": "", "signature_detail": "", "unreadable_reason": "", "attachment_problems": 0}


def test_containers_survive_imap_and_polling(make_mailbox, dovecot, world_a):
    messages = polled(CONTAINER_CASES, dovecot, make_mailbox, world_a, "containers")
    for (case_id, _, want, fields), message in zip(CONTAINER_CASES, messages, strict=True):
        got = list(Attachment.all_tenants.filter(message=message).order_by("position"))
        assert [(a.display_name, a.role, a.problem) for a in got] == [w[:3] for w in want], case_id
        for attachment, (*_, origin) in zip(got, want, strict=True):
            assert origin in attachment.origin, case_id
            assert bool(attachment.problem) == bool(attachment.problem_detail), case_id
            assert len(default_storage.open(attachment.file.name).read()) == attachment.size, case_id
        expected = {"state": Message.State.NEW, **NOT_SIGNED, **fields}
        shown = {name: getattr(message, name) for name in expected}
        for name in _REASONS & set(shown):  # stored as codes: compared as an English reader sees them
            shown[name] = reasons.in_english(shown[name])
        assert shown == expected, case_id
        assert message.attachment_count == sum(role == DOC for _, role, *_ in want), case_id
