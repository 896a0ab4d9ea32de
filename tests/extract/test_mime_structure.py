"""Which parts become attachments, and surviving structures that are odd or broken."""

from mailboxes.extract import extract_mail
from tests.extract.mailbuilder import (
    CRLF,
    attachment_part,
    b64,
    entity,
    forwarded,
    html_part,
    invoice_mail,
    jpeg_bytes,
    mail_with_parts,
    multipart_body,
    pdf_bytes,
    png_bytes,
    text_part,
    top_headers,
)
from tests.extract.rendered import english, english_all


def related_html_with_images(*image_parts: bytes) -> bytes:
    return entity(
        ['Content-Type: multipart/related; boundary="rel"'],
        multipart_body("rel", [html_part('<p>Hi <img src="cid:logo@x"></p>'), *image_parts]),
    )


def test_invoice_pdf_is_extracted_with_hash_and_types():
    pdf = pdf_bytes(50_000)
    [attachment] = extract_mail(invoice_mail(pdf)).attachments
    assert attachment.data == pdf
    assert attachment.size == len(pdf)
    assert attachment.declared_type == "application/pdf"
    assert attachment.sniffed_type == "application/pdf"
    assert attachment.is_graphic is True
    assert attachment.is_inline is False
    assert attachment.origin == ""


def test_unnamed_inline_image_referenced_by_cid_is_a_picture_in_the_text_not_a_document():
    logo = entity(
        ["Content-Type: image/png", "Content-Transfer-Encoding: base64", "Content-ID: <logo@x>"],
        b64(png_bytes()),
    )
    raw = mail_with_parts([related_html_with_images(logo), attachment_part(pdf_bytes())])
    attachments = extract_mail(raw).attachments
    assert [(a.sniffed_type, a.role) for a in attachments] == [
        ("image/png", "picture"),  # still listed and downloadable, never proposed for a document
        ("application/pdf", "document"),
    ]


def test_unnamed_image_inside_related_without_cid_is_a_picture_in_the_text():
    picture = entity(["Content-Type: image/png", "Content-Transfer-Encoding: base64"], b64(png_bytes()))
    [attachment] = extract_mail(mail_with_parts([related_html_with_images(picture)])).attachments
    assert attachment.role == "picture" and attachment.is_graphic


def test_named_inline_image_is_an_attachment_marked_inline():
    photo = entity(
        [
            'Content-Type: image/jpeg; name="scan.jpg"',
            "Content-Transfer-Encoding: base64",
            "Content-ID: <scan@x>",
            'Content-Disposition: inline; filename="scan.jpg"',
        ],
        b64(jpeg_bytes()),
    )
    [attachment] = extract_mail(mail_with_parts([related_html_with_images(photo)])).attachments
    assert attachment.display_name == "scan.jpg"
    assert attachment.role == "document"  # the HTML does not draw it: the sender attached it
    assert attachment.is_inline is True
    assert attachment.is_graphic is True


def test_inline_pdf_and_calendar_with_names_are_attachments():
    pdf = attachment_part(pdf_bytes(), disposition='inline; filename="invoice.pdf"')
    invite = attachment_part(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
        content_type='text/calendar; method=REQUEST; name="invite.ics"',
        disposition='inline; filename="invite.ics"',
    )
    attachments = extract_mail(mail_with_parts([text_part(), pdf, invite])).attachments
    assert [(a.display_name, a.is_inline) for a in attachments] == [
        ("invoice.pdf", True),
        ("invite.ics", True),
    ]


def test_named_text_file_is_an_attachment_not_body_text():
    notes = entity(['Content-Type: text/plain; name="notes.txt"'], b"attached notes\r\n")
    mail = extract_mail(mail_with_parts([text_part("Body\r\n"), notes]))
    assert mail.text == "Body"
    assert [a.display_name for a in mail.attachments] == ["notes.txt"]


def test_pdf_declared_as_octet_stream_is_sniffed_as_pdf():
    part = attachment_part(
        pdf_bytes(), content_type='application/octet-stream; name="x.bin"', disposition=None
    )
    [attachment] = extract_mail(mail_with_parts([part])).attachments
    assert attachment.declared_type == "application/octet-stream"
    assert attachment.sniffed_type == "application/pdf"
    assert attachment.is_graphic is True


def test_pdf_declared_as_jpeg_is_sniffed_as_pdf():
    part = attachment_part(pdf_bytes(), content_type='image/jpeg; name="invoice.jpg"', disposition=None)
    [attachment] = extract_mail(mail_with_parts([part])).attachments
    assert (attachment.declared_type, attachment.sniffed_type, attachment.is_graphic) == (
        "image/jpeg",
        "application/pdf",
        True,
    )


def test_zero_byte_attachment_is_kept():
    part = entity(['Content-Type: application/pdf; name="empty.pdf"', "Content-Disposition: attachment"], b"")
    [attachment] = extract_mail(mail_with_parts([part])).attachments
    assert (attachment.display_name, attachment.size, attachment.data) == ("empty.pdf", 0, b"")
    assert attachment.is_graphic is False


def test_unnamed_pdf_without_disposition_is_an_attachment():
    part = entity(["Content-Type: application/pdf", "Content-Transfer-Encoding: base64"], b64(pdf_bytes()))
    assert [a.display_name for a in extract_mail(mail_with_parts([text_part(), part])).attachments] == [
        "attachment-1.pdf"
    ]


def test_single_part_mail_whose_body_is_a_pdf_gives_that_attachment():
    raw = entity(
        [
            *top_headers(),
            'Content-Type: application/pdf; name="scan0001.pdf"',
            "Content-Transfer-Encoding: base64",
        ],
        b64(pdf_bytes()),
    )
    mail = extract_mail(raw)
    assert [a.display_name for a in mail.attachments] == ["scan0001.pdf"]
    assert mail.text == ""


def test_forwarded_mail_attachments_are_listed_with_their_origin():
    inner = invoice_mail(subject="Invoice 12/2026", name="inner.pdf", tag="inner")
    raw = mail_with_parts([text_part("FYI\r\n"), forwarded(inner)], subject="Fwd: Invoice")
    mail = extract_mail(raw)
    assert [(a.display_name, a.origin) for a in mail.attachments] == [
        ("inner.pdf", "forwarded: Invoice 12/2026")
    ]
    assert mail.text == "FYI"


def test_forwarded_mails_nested_two_deep_join_their_origins():
    innermost = invoice_mail(subject="Invoice 7", name="deep.pdf", tag="deep")
    middle = mail_with_parts([text_part(), forwarded(innermost)], subject="Fwd: Invoice 7", boundary="=_mid")
    raw = mail_with_parts(
        [forwarded(middle), attachment_part(pdf_bytes(), disposition='attachment; filename="top.pdf"')]
    )
    mail = extract_mail(raw)
    assert [(a.display_name, a.origin) for a in mail.attachments] == [
        ("deep.pdf", "forwarded: Fwd: Invoice 7 \u203a forwarded: Invoice 7"),
        ("top.pdf", ""),
    ]


def test_named_forwarded_eml_is_opened_but_not_listed_itself():
    raw = mail_with_parts([forwarded(invoice_mail(name="inside.pdf", tag="in"), named="Invoice.eml")])
    assert [a.display_name for a in extract_mail(raw).attachments] == ["inside.pdf"]


def test_base64_encoded_forwarded_mail_is_decoded_and_opened():
    part = entity(
        ["Content-Type: message/rfc822", "Content-Transfer-Encoding: base64"],
        b64(invoice_mail(name="b.pdf", tag="in")),
    )
    mail = extract_mail(mail_with_parts([part]))
    assert [(a.display_name, a.origin) for a in mail.attachments] == [("b.pdf", "forwarded: Invoice 12/2026")]


def test_missing_final_boundary_still_yields_the_attachment():
    pdf = pdf_bytes()
    body = multipart_body("=_mixed_1", [text_part(), attachment_part(pdf)], close=False)
    mail = extract_mail(entity([*top_headers(), 'Content-Type: multipart/mixed; boundary="=_mixed_1"'], body))
    assert [a.data for a in mail.attachments] == [pdf]
    assert "missing final MIME boundary" in english_all(mail.defects)


def test_multipart_without_boundary_parameter_has_its_boundary_guessed():
    body = multipart_body("guess-me", [text_part("Hello\r\n"), attachment_part(pdf_bytes())])
    mail = extract_mail(entity([*top_headers(), "Content-Type: multipart/mixed"], body))
    assert [a.display_name for a in mail.attachments] == ["invoice.pdf"]
    assert mail.text == "Hello"
    assert "multipart without a boundary parameter" in english_all(mail.defects)


def test_multipart_without_boundary_and_without_parts_keeps_its_body_as_text():
    mail = extract_mail(entity([*top_headers(), "Content-Type: multipart/mixed"], b"Just text.\r\n"))
    assert mail.text == "Just text."
    assert mail.attachments == []
    assert mail.unreadable_reason == ""


def test_multipart_with_zero_parts_is_readable_and_empty():
    for body in (b"--b--\r\n", b"", b"preamble only\r\n"):
        mail = extract_mail(entity([*top_headers(), 'Content-Type: multipart/mixed; boundary="b"'], body))
        assert mail.unreadable_reason == ""
        assert mail.attachments == []


def test_deeply_nested_multipart_is_cut_off_with_a_defect():
    body = attachment_part(pdf_bytes())
    for level in range(200):
        body = entity(
            [f'Content-Type: multipart/mixed; boundary="b{level}"'], multipart_body(f"b{level}", [body])
        )
    head, rest = body.split(CRLF + CRLF, 1)
    mail = extract_mail(entity([*top_headers(), head.decode()], rest))
    assert mail.unreadable_reason == ""
    # What lies below the limit is kept as one part, listed with the problem, never dropped silently.
    [below] = mail.attachments
    assert (below.problem == "too_deep" and b"%PDF" in below.data) or b"JVBER" in below.data
    assert any("nested deeper than 50 levels" in defect for defect in english_all(mail.defects))


def test_deep_nesting_with_an_oddity_the_standard_library_cannot_read_is_salvaged():
    body = attachment_part(pdf_bytes())
    for level in range(1500):
        body = entity(
            [f'Content-Type: multipart/mixed; boundary="b{level}"'], multipart_body(f"b{level}", [body])
        )
    # A misplaced "From " line sends the mail to the standard library, which recurses once per level.
    mail = extract_mail(b"Subject: deep\r\nFrom nobody\r\n" + body)
    assert mail.unreadable_reason == ""
    assert mail.subject == "deep"
    assert any("nested deeper than 50 levels" in defect for defect in english_all(mail.defects))


def test_nesting_within_the_limit_is_followed_to_the_attachment():
    body = attachment_part(pdf_bytes())
    for level in range(20):
        body = entity(
            [f'Content-Type: multipart/mixed; boundary="b{level}"'], multipart_body(f"b{level}", [body])
        )
    head, rest = body.split(CRLF + CRLF, 1)
    mail = extract_mail(entity([*top_headers(), head.decode()], rest))
    assert [a.display_name for a in mail.attachments] == ["invoice.pdf"]


def test_headers_only_mail_is_readable_without_body():
    mail = extract_mail(CRLF.join(line.encode() for line in top_headers()))
    assert mail.unreadable_reason == ""
    assert mail.subject == "Invoice 12/2026"
    assert (mail.text, mail.attachments) == ("", [])


def test_empty_input_is_unreadable():
    assert english(extract_mail(b"").unreadable_reason) == "empty message: no bytes"
    assert english(extract_mail(b"\r\n\r\n").unreadable_reason) == "empty message: only blank lines"


def test_binary_garbage_is_unreadable_as_not_a_mail():
    mail = extract_mail(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    assert english(mail.unreadable_reason) == "not an e-mail message: no headers"
    assert mail.attachments == []


def test_lf_only_line_endings_are_read_like_crlf():
    raw = invoice_mail(pdf_bytes(10_000)).replace(CRLF, b"\n")
    mail = extract_mail(raw)
    assert [a.data for a in mail.attachments] == [pdf_bytes(10_000)]
    assert mail.text == "Please find the invoice attached."
