"""Mail end to end through extract_mail, beyond its containers (test_containers_in_mail.py): uuencoded
bodies, quoted-printable, raw 8-bit header text, depth limits, truncation, and the parse cost of hostile
structure."""

import binascii

import pytest

from mailboxes.extract import extract_mail
from mailboxes.extract import structure as structure_module
from mailboxes.extract.containers import MAX_OPENED_DEPTH
from mailboxes.extract.parts import MAX_DEPTH
from tests.builders.container_mail import (
    OTHER_PDF,
    PDF,
    eml_chain,
    invoices_zip,
    uuencoded,
    uuencoded_mail,
    zip_mail,
)
from tests.extract.mailbuilder import (
    CRLF,
    attachment_part,
    b64,
    entity,
    forwarded,
    jpeg_bytes,
    mail_with_parts,
    multipart_body,
    pdf_bytes,
    text_part,
    tnef_bytes,
    top_headers,
)
from tests.extract.rendered import english_all


def summary(mail):
    return [(a.display_name, a.role, a.problem) for a in mail.attachments]


# --- 6. uuencode ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("newline", [CRLF, b"\n"])
def test_uuencoded_files_in_a_text_body_come_out(newline):
    mail = extract_mail(uuencoded_mail([("faktura.pdf", PDF), ("korekta.pdf", OTHER_PDF)], newline))
    assert [(a.display_name, a.data, a.problem) for a in mail.attachments] == [
        ("faktura.pdf", PDF, ""),
        ("korekta.pdf", OTHER_PDF, ""),
    ]
    assert "Faktury w zalaczeniu." in mail.text and "Pozdrawiam" in mail.text
    assert "begin 644" not in mail.text and "`" not in mail.text and "\nend" not in mail.text
    assert len(mail.text) < 100


def test_a_part_in_x_uuencode_transfer_encoding_is_decoded():
    part = entity(
        ['Content-Type: application/pdf; name="faktura.pdf"', "Content-Transfer-Encoding: x-uuencode"],
        uuencoded("faktura.pdf", PDF),
    )
    mail = extract_mail(mail_with_parts([text_part(), part]))
    assert [(a.display_name, a.data) for a in mail.attachments] == [("faktura.pdf", PDF)]


def test_uuencoded_files_in_a_forwarded_mails_body_are_not_lost():
    raw = mail_with_parts([text_part(), forwarded(uuencoded_mail([("faktura.pdf", PDF)]))], boundary="=_f")
    mail = extract_mail(raw)
    assert [(a.display_name, a.data, a.origin) for a in mail.attachments] == [
        ("faktura.pdf", PDF, "forwarded: uuencoded")
    ]


# --- 8. quoted-printable -------------------------------------------------------------------------------


def qp_mail(body: bytes) -> bytes:
    headers = [
        *top_headers("qp"),
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
    ]
    return entity(headers, body)


def test_blanks_added_in_transit_are_dropped_and_encoded_blanks_kept():
    body = b"faktura=  \r\nnr 12  \r\nkwota=20\r\nsuma\t \r\nkoniec"
    assert extract_mail(qp_mail(body)).text == "fakturanr 12\nkwota \nsuma\nkoniec"


def test_blanks_before_a_soft_line_break_are_text():
    # RFC 2045 §6.7 (3): "an '=' at the end of an encoded line ... may follow one or more SPACE
    # characters"; they are followed by a printable character, so they are data. PHP's
    # quoted_printable_encode breaks lines this way: dropping them would glue "the" and "invoice".
    body = b"Please find the =\r\ninvoice  =\r\nattached."
    assert extract_mail(qp_mail(body)).text == "Please find the invoice  attached."


def test_a_quoted_printable_attachment_keeps_its_bytes():
    xml = b'<Faktura xmlns="http://crd.gov.pl/wzor/2023/06/29/12648/" kod="FA" wersja="2">' * 3
    encoded = b'<Faktura xmlns=3D"http://crd.gov.pl/wzor/2023/06/29/12648/" kod=3D"FA" =\r\nwersja=3D"2">' * 3
    part = entity(
        ['Content-Type: text/xml; name="fa.xml"', "Content-Transfer-Encoding: quoted-printable"], encoded
    )
    (attachment,) = extract_mail(mail_with_parts([text_part(), part])).attachments
    assert attachment.data == xml


# --- 9. raw 8-bit header text --------------------------------------------------------------------------


@pytest.mark.parametrize("charset", ["iso-8859-2", "windows-1250", "utf-8"])
def test_a_raw_8bit_file_name_is_read_in_the_charset_the_mail_declares(charset):
    name = "faktura_śląsk_łódź.pdf"
    raw = mail_with_parts(
        [
            text_part("Faktura w załączeniu.\r\n", charset=charset),
            attachment_part(
                PDF,
                content_type="application/pdf",
                disposition='attachment; filename="' + "\x00" + '"',
            ).replace(b"\x00", name.encode(charset)),
        ],
        subject="Faktura",
    ).replace(b"Subject: Faktura", "Subject: Faktura Śląsk łódź".encode(charset), 1)
    mail = extract_mail(raw)
    assert [a.display_name for a in mail.attachments] == [name]
    assert mail.subject == "Faktura Śląsk łódź"
    assert "Faktura w załączeniu." in mail.text


def test_the_two_central_european_charsets_really_differ_here():
    assert "ś".encode("windows-1250") == b"\x9c" and "ś".encode("iso-8859-2") == b"\xb6"


# --- 11. depth -----------------------------------------------------------------------------------------


def nested_multiparts(levels: int) -> bytes:
    body = attachment_part(PDF, content_type='application/pdf; name="bottom.pdf"', disposition=None)
    for level in range(levels, 0, -1):
        body = entity(
            [f'Content-Type: multipart/mixed; boundary="b{level}"'], multipart_body(f"b{level}", [body])
        )
    return entity(
        [*top_headers("deep"), 'Content-Type: multipart/mixed; boundary="b0"'],
        multipart_body("b0", [text_part(), body]),
    )


def test_mime_nested_beyond_the_parsers_limit_is_listed_too_deep():
    mail = extract_mail(nested_multiparts(MAX_DEPTH + 10))
    problems = [(a.problem, a.role) for a in mail.attachments]
    assert problems == [("too_deep", "document")]
    assert b"bottom.pdf" in mail.attachments[0].data  # the unread structure is kept, downloadable


def test_mime_nested_within_the_limit_is_read():
    mail = extract_mail(nested_multiparts(MAX_DEPTH - 5))
    assert [(a.display_name, a.problem) for a in mail.attachments] == [("bottom.pdf", "")]


def test_mails_as_files_nested_beyond_the_container_limit_are_listed_too_deep():
    mail = extract_mail(eml_chain(MAX_OPENED_DEPTH + 3))
    (listed,) = mail.attachments
    assert (listed.role, listed.problem) == ("container", "too_deep")
    assert listed.display_name == f"level{MAX_OPENED_DEPTH + 2}.eml"
    assert listed.origin.count("forwarded:") == MAX_OPENED_DEPTH


def test_a_zip_in_mails_as_files_beyond_the_container_limit_is_listed_too_deep():
    innermost = zip_mail(invoices_zip())
    mail = extract_mail(eml_chain(MAX_OPENED_DEPTH + 1, innermost))
    (listed,) = mail.attachments
    assert (listed.display_name, listed.role, listed.problem) == ("faktury.zip", "container", "too_deep")


# --- 12. truncation ------------------------------------------------------------------------------------


def test_a_mail_cut_inside_a_base64_pdf_marks_it_truncated():
    raw = mail_with_parts([text_part(), attachment_part(PDF)])
    cut = raw[: raw.index(b"Content-Disposition: attachment") + 1500]
    (attachment,) = extract_mail(cut).attachments
    assert attachment.display_name == "invoice.pdf" and attachment.problem == "truncated"
    assert PDF.startswith(attachment.data[:1000])


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.8, 0.95])
def test_a_cut_winmail_dat_is_never_an_empty_list(keep):
    tnef = tnef_bytes([("Faktura.pdf", PDF), ("skan.jpg", jpeg_bytes())])
    part = attachment_part(
        tnef[: int(len(tnef) * keep)],
        content_type='application/ms-tnef; name="winmail.dat"',
        disposition='attachment; filename="winmail.dat"',
    )
    mail = extract_mail(mail_with_parts([text_part(), part]))
    container = mail.attachments[0]
    assert (container.display_name, container.role) == ("winmail.dat", "container")
    files = mail.attachments[1:]
    if not any(a.data and not a.problem for a in files):
        assert container.problem, summary(mail)
    for attachment in files:
        assert attachment.data or attachment.problem, summary(mail)


def test_a_mail_cut_inside_a_winmail_dat_marks_it():
    tnef = tnef_bytes([("Faktura.pdf", PDF)])
    part = attachment_part(
        tnef,
        content_type='application/ms-tnef; name="winmail.dat"',
        disposition='attachment; filename="winmail.dat"',
    )
    raw = mail_with_parts([text_part(), part])
    mail = extract_mail(raw[: raw.index(b'filename="winmail.dat"') + 2000])
    assert mail.attachments and mail.attachments[0].display_name == "winmail.dat"
    assert mail.attachments[0].problem


# --- 13. bounded parse cost ----------------------------------------------------------------------------


def test_nested_unclosed_multiparts_with_one_boundary_skip_the_standard_library(monkeypatch):
    def refuse(raw):
        raise AssertionError("the standard library's parser must not read this mail")

    monkeypatch.setattr(structure_module, "parse_with_stdlib", refuse)
    nest = b"--b0\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n" * 100_000
    raw = entity([*top_headers("nest"), "Content-Type: multipart/mixed; boundary=b0"], nest)
    mail = extract_mail(raw)
    assert mail.unreadable_reason == ""
    assert mail.subject == "nest"
    assert "structure read by the salvaging parser" in english_all(mail.defects)


def test_a_20_mb_subject_is_cut_to_2000_characters():
    raw = entity([*top_headers("A" * (20 * 1024 * 1024)), "Content-Type: text/plain"], b"body")
    mail = extract_mail(raw)
    assert mail.unreadable_reason == ""
    assert 0 < len(mail.subject) <= 2000
    assert mail.text == "body"


def test_a_folded_20_mb_subject_is_cut_to_2000_characters():
    folded = "\r\n ".join(["word " * 15] * (20 * 1024 * 1024 // 76))
    raw = entity([*top_headers(folded), "Content-Type: text/plain"], b"body")
    mail = extract_mail(raw)
    assert 0 < len(mail.subject) <= 2000 and mail.text == "body"


def test_an_unnamed_x_uuencode_part_takes_its_name_from_the_begin_line():

    body = b"begin 644 faktura_12.pdf\r\n"
    data = pdf_bytes()
    body += b"".join(binascii.b2a_uu(data[i : i + 45]) for i in range(0, len(data), 45)).replace(
        b"\n", b"\r\n"
    )
    body += b"`\r\nend\r\n"
    part = entity(["Content-Type: application/octet-stream", "Content-Transfer-Encoding: x-uuencode"], body)
    [attachment] = extract_mail(mail_with_parts([text_part(), part])).attachments
    assert attachment.display_name == "faktura_12.pdf" and attachment.data == data


def test_a_signature_sent_as_octet_stream_is_known_by_its_name():
    content = entity(["Content-Type: text/plain"], b"Faktura w zalaczeniu.")
    signature = entity(
        ['Content-Type: application/octet-stream; name="smime.p7s"', "Content-Transfer-Encoding: base64"],
        b64(b"0\x82not really a signature"),
    )
    signed = entity(
        ['Content-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary="s"'],
        multipart_body("s", [content, signature]),
    )
    head, rest = signed.split(CRLF + CRLF, 1)
    mail = extract_mail(entity([*top_headers(), head.decode()], rest))
    [attachment] = mail.attachments
    assert attachment.role == "signature"
    assert mail.signature == "failed"  # garbage, so it does not verify; but it is no document
