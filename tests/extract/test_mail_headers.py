"""Subject, sender, recipients, date and Message-ID, however they are encoded or broken."""

from datetime import UTC, datetime, timedelta, timezone

from mailboxes.extract import extract_mail
from tests.extract.mailbuilder import entity
from tests.extract.rendered import english_all


def mail_with_headers(*headers: str | bytes) -> bytes:
    return entity([*headers, "Content-Type: text/plain; charset=utf-8"], b"Hello\r\n")


STANDARD = ("From: a@supplier.example", "Date: Tue, 03 Mar 2026 10:15:00 +0100", "Message-ID: <x@y>")


def test_utf8_base64_subject_is_decoded():
    mail = extract_mail(mail_with_headers(*STANDARD, "Subject: =?UTF-8?B?RmFrdHVyYSDEjS4gMTI=?="))
    assert mail.subject == "Faktura č. 12"


def test_windows_1250_q_subject_is_decoded():
    mail = extract_mail(mail_with_headers(*STANDARD, "Subject: =?windows-1250?Q?=8Akoda_a_=9Akoda?="))
    assert mail.subject == "Škoda a škoda"


def test_iso_8859_2_subject_mixed_with_plain_text_is_decoded():
    mail = extract_mail(mail_with_headers(*STANDARD, "Subject: Re: =?iso-8859-2?q?=DA=E8et?= 2026"))
    assert mail.subject == "Re: Účet 2026"


def test_subject_split_across_folded_encoded_words_is_joined_without_spaces():
    subject = "Subject: =?utf-8?B?RmFrdHVyYSDE?=\r\n =?utf-8?B?jS4gMTI=?="
    assert extract_mail(mail_with_headers(*STANDARD, subject)).subject == "Faktura č. 12"


def test_encoded_word_folded_in_its_middle_is_decoded_whole():
    subject = "Subject: =?utf-8?Q?Faktura_=C4?=\r\n =?utf-8?Q?=8D=2E_1?= and =?utf-8?B?xI3DrX\r\n Nsbw==?="
    assert extract_mail(mail_with_headers(*STANDARD, subject)).subject == "Faktura č. 1 and číslo"


def test_raw_utf8_subject_is_decoded():
    mail = extract_mail(mail_with_headers(*STANDARD, "Subject: Faktura č. 4".encode()))
    assert mail.subject == "Faktura č. 4"


def test_raw_windows_1250_subject_falls_back_from_utf8():
    mail = extract_mail(mail_with_headers(*STANDARD, "Subject: Faktura č. 4".encode("windows-1250")))
    assert mail.subject == "Faktura č. 4"


def test_encoded_word_in_unknown_charset_falls_back_to_utf8():
    mail = extract_mail(mail_with_headers(*STANDARD, "Subject: =?x-made-up?Q?=C4=8D?="))
    assert mail.subject == "č"


def test_outlook_quoted_encoded_sender_name_is_decoded():
    mail = extract_mail(
        mail_with_headers('From: "=?utf-8?B?SmFuIE5vdsOhaw==?=" <jan@supplier.example>', "Subject: x")
    )
    assert mail.sender == "Jan Novák <jan@supplier.example>"
    assert mail.sender_address == "jan@supplier.example"


def test_sender_name_with_encoded_comma_is_not_split_into_two_addresses():
    mail = extract_mail(mail_with_headers("From: =?utf-8?Q?Nov=C3=A1k,_Jan?= <jan@supplier.example>"))
    assert mail.sender == "Novák, Jan <jan@supplier.example>"


def test_recipients_are_to_and_cc_addresses_without_duplicates():
    mail = extract_mail(
        mail_with_headers(
            "To: Accounts <accounts@customer.example>, boss@customer.example",
            "Cc: =?utf-8?Q?=C3=9A=C4=8Dt=C3=A1rna?= <ACCOUNTS@customer.example>, audit@customer.example",
        )
    )
    assert mail.recipients == ["accounts@customer.example", "boss@customer.example", "audit@customer.example"]


def test_date_is_timezone_aware():
    mail = extract_mail(mail_with_headers("Date: Tue, 03 Mar 2026 10:15:00 +0100"))
    assert mail.date == datetime(2026, 3, 3, 10, 15, tzinfo=timezone(timedelta(hours=1)))


def test_date_without_zone_is_taken_as_utc():
    mail = extract_mail(mail_with_headers("Date: Tue, 03 Mar 2026 10:15:00 -0000"))
    assert mail.date == datetime(2026, 3, 3, 10, 15, tzinfo=UTC)


def test_missing_date_gives_none_and_a_defect():
    mail = extract_mail(mail_with_headers("Subject: x", "Message-ID: <a@b>"))
    assert mail.date is None
    assert "no Date header" in english_all(mail.defects)


def test_unparsable_date_gives_none_and_a_defect():
    mail = extract_mail(mail_with_headers("Date: úterý 3. března 2026", "Message-ID: <a@b>"))
    assert mail.date is None
    assert "unparsable Date header" in english_all(mail.defects)
    assert mail.unreadable_reason == ""


def test_message_id_keeps_its_angle_brackets():
    assert (
        extract_mail(mail_with_headers("Message-ID:\r\n <abc.123@host.example>")).message_id
        == "<abc.123@host.example>"
    )


def test_missing_message_id_is_empty_with_a_defect():
    mail = extract_mail(mail_with_headers("Subject: x"))
    assert mail.message_id == ""
    assert "no Message-ID header" in english_all(mail.defects)


def test_unparsable_message_id_is_empty_with_a_defect():
    mail = extract_mail(mail_with_headers("Message-ID: not an id at all"))
    assert mail.message_id == ""
    assert "unparsable Message-ID header" in english_all(mail.defects)


def test_message_id_without_brackets_is_bracketed():
    assert extract_mail(mail_with_headers("Message-ID: abc@host.example")).message_id == "<abc@host.example>"
