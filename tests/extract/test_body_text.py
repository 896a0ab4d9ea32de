"""The body text: from text/plain, or from HTML when that is all there is, in whatever charset."""

from mailboxes.extract import extract_mail
from tests.extract.mailbuilder import entity, html_part, multipart_body, text_part, top_headers
from tests.extract.rendered import english_all


def single_part_mail(content_type: str, body: bytes, encoding: str = "8bit") -> bytes:
    return entity(
        [*top_headers(), f"Content-Type: {content_type}", f"Content-Transfer-Encoding: {encoding}"], body
    )


def alternative_mail(*parts: bytes) -> bytes:
    return entity(
        [*top_headers(), 'Content-Type: multipart/alternative; boundary="alt"'],
        multipart_body("alt", list(parts)),
    )


def test_plain_text_alternative_is_preferred_over_html():
    mail = extract_mail(alternative_mail(text_part("Plain version\r\n"), html_part("<p>HTML version</p>")))
    assert mail.text == "Plain version"


def test_html_only_mail_gives_its_visible_text():
    html = (
        "<html><head><title>t</title><style>p {color: red}</style></head><body>"
        "<p>Dobr&yacute; den,</p><p>faktura&nbsp;&#269;. 5</p><script>alert(1)</script>"
        "<table><tr><td>Celkem</td><td>100 EUR</td></tr></table></body></html>"
    )
    mail = extract_mail(alternative_mail(html_part(html)))
    assert mail.text == "Dobrý den,\n\nfaktura č. 5\n\nCelkem 100 EUR"


def test_body_in_declared_iso_8859_2_is_decoded():
    mail = extract_mail(
        single_part_mail("text/plain; charset=ISO-8859-2", "Účet za služby".encode("iso-8859-2"))
    )
    assert mail.text == "Účet za služby"
    assert mail.defects == []


def test_body_in_unknown_charset_falls_back_and_says_so():
    mail = extract_mail(single_part_mail('text/plain; charset="x-klingon"', "Faktura č. 1".encode()))
    assert mail.text == "Faktura č. 1"
    assert any("unknown charset 'x-klingon'" in defect for defect in english_all(mail.defects))


def test_body_declared_utf8_but_written_in_windows_1250_is_still_readable():
    mail = extract_mail(single_part_mail("text/plain; charset=utf-8", "Žluťoučký kůň".encode("windows-1250")))
    assert mail.text == "Žluťoučký kůň"
    assert any("decoded as windows-1250" in defect for defect in english_all(mail.defects))


def test_body_without_charset_with_8bit_utf8_is_decoded():
    mail = extract_mail(single_part_mail("text/plain", "Příloha".encode()))
    assert mail.text == "Příloha"


def test_quoted_printable_body_is_decoded():
    body = b"Dobr=C3=BD den,=\r\n v p=C5=99=C3=ADloze faktura.\r\n"
    mail = extract_mail(single_part_mail("text/plain; charset=utf-8", body, "quoted-printable"))
    assert mail.text == "Dobrý den, v příloze faktura."


def test_snippet_collapses_whitespace_and_is_short():
    mail = extract_mail(
        single_part_mail("text/plain", b"Line one\r\n\r\n   line    two\r\n" + b"word " * 200)
    )
    assert mail.snippet.startswith("Line one line two word word")
    assert len(mail.snippet) <= 200
    assert "\n" not in mail.snippet


def test_text_parts_around_an_inline_image_are_joined():
    image = entity(["Content-Type: image/png", "Content-Disposition: inline"], b"")
    body = multipart_body("m", [text_part("Before\r\n"), image, text_part("After\r\n")])
    mail = extract_mail(entity([*top_headers(), 'Content-Type: multipart/mixed; boundary="m"'], body))
    assert mail.text == "Before\n\nAfter"
