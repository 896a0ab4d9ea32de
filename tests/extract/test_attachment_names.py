"""File names as mailers actually write them."""

from mailboxes.extract import extract_mail
from tests.extract.mailbuilder import (
    CRLF,
    attachment_part,
    b64,
    entity,
    mail_with_parts,
    pdf_bytes,
    text_part,
)


def names_of(raw: bytes) -> list[str]:
    return [attachment.display_name for attachment in extract_mail(raw).attachments]


def mail_with_disposition(disposition: str, content_type: str = "application/pdf") -> bytes:
    return mail_with_parts(
        [text_part(), attachment_part(pdf_bytes(), content_type=content_type, disposition=disposition)]
    )


def test_rfc2231_continuation_name_is_decoded():
    # "Faktura č. 12.pdf" in UTF-8, cut in the middle of "č" (C4 8D) between the two sections.
    disposition = "attachment;\r\n filename*0*=utf-8''Faktura%20%C4;\r\n filename*1*=%8D.%2012.pdf"
    assert names_of(mail_with_disposition(disposition)) == ["Faktura č. 12.pdf"]


def test_rfc2231_iso_8859_2_name_is_decoded():
    assert names_of(mail_with_disposition("attachment; filename*=iso-8859-2'cs'%B9koda%20%E8.pdf")) == [
        "škoda č.pdf"
    ]


def test_rfc2231_continuation_in_content_type_name_with_iso_8859_2_is_decoded():
    content_type = "application/pdf;\r\n name*0*=iso-8859-2''%DA%E8et%20za;\r\n name*1*=%20%B9kolu.pdf"
    raw = mail_with_parts([attachment_part(pdf_bytes(), content_type=content_type, disposition=None)])
    assert names_of(raw) == ["Účet za školu.pdf"]


def test_rfc2231_sections_mix_encoded_and_plain_parts():
    disposition = "attachment; filename*0*=utf-8''%C5%BD%C3%A1dost; filename*1=\" o platbu.pdf\""
    assert names_of(mail_with_disposition(disposition)) == ["Žádost o platbu.pdf"]


def test_rfc2231_name_wins_over_plain_fallback_name():
    disposition = "attachment; filename=\"Faktura_.pdf\"; filename*=utf-8''Faktura%20%C4%8D.pdf"
    assert names_of(mail_with_disposition(disposition)) == ["Faktura č.pdf"]


def test_rfc2047_name_inside_quotes_is_decoded_as_outlook_writes_it():
    disposition = 'attachment; filename="=?utf-8?B?RmFrdHVyYSDEjS4gMTIucGRm?="'
    assert names_of(mail_with_disposition(disposition)) == ["Faktura č. 12.pdf"]


def test_rfc2047_q_encoded_windows_1250_name_is_decoded():
    disposition = 'attachment; filename="=?windows-1250?Q?=8Akoda_=E8=2E_5.pdf?="'
    assert names_of(mail_with_disposition(disposition)) == ["Škoda č. 5.pdf"]


def test_rfc2047_b_encoded_iso_8859_2_name_is_decoded():
    # "Účet.pdf" in ISO-8859-2 is DA E8 65 74 2E 70 64 66
    disposition = 'attachment; filename="=?ISO-8859-2?B?2uhldC5wZGY=?="'
    assert names_of(mail_with_disposition(disposition)) == ["Účet.pdf"]


def test_encoded_words_split_across_folded_lines_are_joined():
    # The encoder cut the two bytes of "č" (C4 8D) into two encoded words on two lines.
    disposition = 'attachment;\r\n filename="=?UTF-8?Q?Faktura_=C4?=\r\n =?UTF-8?Q?=8D=2E_7.pdf?="'
    assert names_of(mail_with_disposition(disposition)) == ["Faktura č. 7.pdf"]


def test_raw_utf8_bytes_in_name_are_decoded():
    part = entity(
        [
            b'Content-Type: application/pdf; name="Faktura \xc4\x8d. 3.pdf"',
            b"Content-Transfer-Encoding: base64",
        ],
        b64(pdf_bytes()),
    )
    assert names_of(mail_with_parts([text_part(), part])) == ["Faktura č. 3.pdf"]


def test_name_only_in_content_type_is_used_when_there_is_no_disposition():
    raw = mail_with_parts(
        [attachment_part(pdf_bytes(), content_type='application/pdf; name="only-type.pdf"', disposition=None)]
    )
    assert names_of(raw) == ["only-type.pdf"]


def test_windows_path_is_stripped_from_name():
    assert names_of(
        mail_with_disposition('attachment; filename="C:\\Users\\jan\\Documents\\invoice 5.pdf"')
    ) == ["invoice 5.pdf"]


def test_posix_path_is_stripped_from_name():
    assert names_of(mail_with_disposition('attachment; filename="../../etc/passwd.pdf"')) == ["passwd.pdf"]


def test_very_long_name_is_shortened_keeping_the_extension():
    long_name = "Faktura " + "x" * 400 + ".pdf"
    [name] = names_of(mail_with_disposition(f'attachment; filename="{long_name}"'))
    assert len(name) <= 150
    assert name.startswith("Faktura xxx")
    assert name.endswith(".pdf")


def test_duplicate_names_are_both_kept_untouched():
    parts = [attachment_part(pdf_bytes(seed=1)), attachment_part(pdf_bytes(seed=2))]
    mail = extract_mail(mail_with_parts(parts))
    assert [a.display_name for a in mail.attachments] == ["invoice.pdf", "invoice.pdf"]
    assert mail.attachments[0].sha256 != mail.attachments[1].sha256


def test_unnamed_attachments_get_numbered_names_from_their_sniffed_type():
    parts = [
        attachment_part(pdf_bytes(), content_type="application/octet-stream", disposition="attachment"),
        attachment_part(
            b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", content_type="text/calendar", disposition="attachment"
        ),
    ]
    assert names_of(mail_with_parts(parts)) == ["attachment-1.pdf", "attachment-2.ics"]


def test_name_of_only_dots_and_slashes_falls_back_to_a_generated_name():
    assert names_of(mail_with_disposition('attachment; filename="../.."')) == ["attachment-1.pdf"]


def test_unquoted_name_with_spaces_is_read_up_to_the_semicolon():
    assert names_of(mail_with_disposition("attachment; filename=Faktura 2026 03.pdf; size=100")) == [
        "Faktura 2026 03.pdf"
    ]


def test_unterminated_quote_in_name_does_not_lose_the_name():
    assert names_of(mail_with_disposition('attachment; filename="Faktura 9.pdf')) == ["Faktura 9.pdf"]


def test_folded_content_type_name_is_unfolded():
    raw = mail_with_parts(
        [
            attachment_part(
                pdf_bytes(),
                content_type="application/pdf;" + CRLF.decode() + ' name="folded.pdf"',
                disposition=None,
            )
        ]
    )
    assert names_of(raw) == ["folded.pdf"]
