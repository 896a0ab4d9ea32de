"""Mail built to hurt a parser: it must be read (or refused), never hang or crash a worker. What it
costs is measured in bench/extract.py (hostile shapes, per MB at two sizes), not timed here."""

import pytest

from mailboxes.extract import extract_mail
from mailboxes.extract import structure as structure_module
from tests.extract.rendered import english_all


@pytest.fixture
def no_standard_parser(monkeypatch):
    def refuse(raw):
        raise AssertionError("handed to the standard library's quadratic parser")

    monkeypatch.setattr(structure_module, "parse_with_stdlib", refuse)


def test_deeply_nested_comments_in_from_do_not_make_the_mail_unreadable():
    # The standard library's address parser recurses once per "(" and runs out of stack.
    mail = extract_mail(b"From: " + b"(" * 5000 + b"billing@supplier.example\r\nSubject: x\r\n\r\nbody")
    assert mail.unreadable_reason == ""
    assert mail.sender_address == "billing@supplier.example"


def test_huge_folded_content_type_is_not_handed_to_the_quadratic_standard_parser(no_standard_parser):
    # 200 000 folded parameters (1.4 MB) and a header line without a name, which the fast path leaves to
    # the standard library, whose parameter splitting would take many seconds on this.
    raw = (
        b"Subject: x\r\nContent-Type: multipart/mixed; "
        + b"a;\r\n " * 200_000
        + b"boundary=x\r\n:bad\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhello\r\n--x--\r\n"
    )
    mail = extract_mail(raw)
    assert mail.unreadable_reason == ""
    assert "structure read by the salvaging parser" in english_all(mail.defects)


def test_parameter_list_without_values_is_parsed():
    raw = (
        b"Content-Type: application/pdf; "
        + b"a;" * 300_000
        + b"\r\nContent-Disposition: attachment\r\n\r\nxx"
    )
    mail = extract_mail(raw)
    assert [a.data for a in mail.attachments] == [b"xx"]


def test_many_thousand_parts_are_read():
    raw = (
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        + b"--b\r\n\r\nline\r\n" * 20_000
        + b"--b--\r\n"
    )
    mail = extract_mail(raw)
    assert mail.unreadable_reason == ""
    assert mail.text.count("line") == 20_000
