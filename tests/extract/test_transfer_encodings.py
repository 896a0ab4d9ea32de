"""Attachment bytes survive ragged base64 and the other transfer encodings."""

import base64
import binascii

from mailboxes.extract import extract_mail
from tests.extract.mailbuilder import CRLF, entity, mail_with_parts, pdf_bytes
from tests.extract.rendered import english, english_all

PDF = pdf_bytes(5_000, seed=7)


def mail_with_encoded_pdf(encoded: bytes, encoding: str = "base64") -> bytes:
    part = entity(
        [
            'Content-Type: application/pdf; name="r.pdf"',
            f"Content-Transfer-Encoding: {encoding}",
            "Content-Disposition: attachment",
        ],
        encoded,
    )
    return mail_with_parts([part])


def only_attachment(raw: bytes):
    mail = extract_mail(raw)
    assert len(mail.attachments) == 1
    return mail, mail.attachments[0]


def test_base64_with_missing_padding_is_repaired():
    data = PDF[:3001]  # 3001 = 3 x 1000 + 1: encodes with "==" at the end
    encoded = base64.b64encode(data).rstrip(b"=")
    mail, attachment = only_attachment(mail_with_encoded_pdf(encoded))
    assert attachment.data == data
    assert "attachment r.pdf: base64 padding repaired" in english_all(mail.defects)


def test_base64_with_stray_characters_and_odd_line_lengths_decodes():
    encoded = base64.b64encode(PDF)
    lines, position = [], 0
    for length in [50, 13, 77, 1, 64] * 999:
        if position >= len(encoded):
            break
        lines.append(encoded[position : position + length])
        position += length
    ragged = b" \t\r\n".join(lines[:3]) + b"\n" + b"*\r\n".join(lines[3:]) + b"   \r\n\r\n"
    _mail, attachment = only_attachment(mail_with_encoded_pdf(ragged))
    assert attachment.data == PDF
    assert attachment.problem_detail == ""


def test_base64_with_irregular_line_lengths_is_decoded_exactly():
    encoded = base64.b64encode(PDF)
    wrapped = CRLF.join(encoded[i : i + 61] for i in range(0, len(encoded), 61))
    _mail, attachment = only_attachment(mail_with_encoded_pdf(wrapped))
    assert attachment.data == PDF


def test_concatenated_padded_base64_chunks_are_all_decoded():
    first, second = PDF[:1001], PDF[1001:]
    encoded = base64.b64encode(first) + CRLF + base64.b64encode(second)
    assert binascii.a2b_base64(encoded) != PDF  # plain decoding silently stops at the first padding
    mail, attachment = only_attachment(mail_with_encoded_pdf(encoded))
    assert attachment.data == PDF
    assert any("base64 padding repaired" in defect for defect in english_all(mail.defects))


def test_truncated_base64_keeps_every_whole_byte():
    encoded = base64.b64encode(PDF)[:-3]  # cut mid-group, leaving one lone character
    encoded = encoded[: len(encoded) - (len(encoded) % 4) + 1]
    mail, attachment = only_attachment(mail_with_encoded_pdf(encoded))
    assert PDF.startswith(attachment.data)
    assert len(attachment.data) >= len(PDF) - 6
    assert any("truncated" in defect for defect in english_all(mail.defects))


def test_attachment_declared_base64_but_sent_raw_is_listed_as_unreadable_with_its_bytes():
    raw_binary = bytes(range(256)) * 8
    _mail, attachment = only_attachment(mail_with_encoded_pdf(raw_binary))
    assert attachment.data == raw_binary
    assert attachment.size == len(raw_binary)
    assert english(attachment.problem_detail).startswith("declared base64, but")


def test_quoted_printable_attachment_is_decoded():
    data = "Řádek 1\r\nŘádek 2 = konec\r\n".encode()
    encoded = binascii.b2a_qp(data, istext=False)
    _mail, attachment = only_attachment(mail_with_encoded_pdf(encoded, "quoted-printable"))
    assert attachment.data == data


def test_unknown_transfer_encoding_keeps_the_bytes_and_says_so():
    mail, attachment = only_attachment(mail_with_encoded_pdf(PDF, "x-strange"))
    assert attachment.data == PDF
    assert any("unknown transfer encoding 'x-strange'" in defect for defect in english_all(mail.defects))


def test_uuencoded_attachment_is_decoded():
    lines = [binascii.b2a_uu(PDF[i : i + 45]) for i in range(0, len(PDF), 45)]
    encoded = b"begin 644 r.pdf\n" + b"".join(lines) + b"`\nend\n"
    _mail, attachment = only_attachment(mail_with_encoded_pdf(encoded, "x-uuencode"))
    assert attachment.data == PDF


def test_transfer_encoding_names_are_case_insensitive():
    _mail, attachment = only_attachment(mail_with_encoded_pdf(base64.b64encode(PDF), "BASE64"))
    assert attachment.data == PDF
