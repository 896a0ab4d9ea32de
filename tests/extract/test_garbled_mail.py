"""Robustness: whatever bytes arrive, extraction returns a result and never raises.

Valid mails are mangled the ways transfers and broken mailers mangle them (truncation, lost, repeated or
swapped ranges, flipped bytes, stray header lines, broken boundaries and base64), and arbitrary bytes
are fed too. The exception-swallowing wrapper is bypassed (extract_mail_using), so a bug shows up here
as an exception instead of hiding behind an "internal error" result.
"""

import hashlib
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailboxes.extract import ExtractedMail
from mailboxes.extract.extractor import extract_mail_using, parse_structure
from tests.extract.mailbuilder import (
    attachment_part,
    b64,
    entity,
    forwarded,
    invoice_mail,
    mail_with_parts,
    pdf_bytes,
    png_bytes,
    text_part,
    tnef_bytes,
    top_headers,
)

SEEDS = [
    invoice_mail(pdf_bytes(1_500)),
    invoice_mail(pdf_bytes(1_500)).replace(b"\r\n", b"\n"),
    mail_with_parts([text_part(), forwarded(invoice_mail(pdf_bytes(800), tag="f"))], subject="Fwd"),
    mail_with_parts([attachment_part(tnef_bytes([("a.pdf", pdf_bytes(600)), ("b.png", png_bytes())]))]),
    mail_with_parts(
        [
            attachment_part(
                pdf_bytes(500), disposition="attachment; filename*0*=utf-8''%C4%8D; filename*1*=.pdf"
            ),
            entity(
                ["Content-Type: message/rfc822", "Content-Transfer-Encoding: base64"],
                b64(invoice_mail(tag="g")),
            ),
        ]
    ),
    entity(
        [*top_headers(), "Content-Type: application/pdf", "Content-Transfer-Encoding: base64"],
        b64(pdf_bytes(700)),
    ),
]

_HEADERISH = st.binary(max_size=60).map(lambda b: b.replace(b"\n", b" ")) | st.sampled_from(
    [
        b"Content-Type: multipart/mixed",
        b"Content-Type: multipart/mixed; boundary=",
        b'Content-Type: message/rfc822; boundary="=_mixed_1"',
        b"Content-Transfer-Encoding: base64",
        b"Content-Disposition: attachment; filename*0*=x'y'%ZZ; filename*1*=%",
        b"Content-Type: application/ms-tnef",
        b"Subject: =?utf-8?B?====?= =?x?Q?=ZZ?=",
        b"Date: Mon, 99 Foo 99999 99:99:99 +9999",
        b" continuation",
        b"From ",
        b":",
    ]
)


@st.composite
def garbled_mails(draw) -> bytes:
    mail = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        if not mail:
            break
        size = len(mail)
        start = draw(st.integers(0, size - 1))
        end = draw(st.integers(start, min(size, start + 4096)))
        operation = draw(
            st.sampled_from(
                ["truncate", "delete", "duplicate", "swap", "flip", "header", "boundary", "base64"]
            )
        )
        if operation == "truncate":
            del mail[start:]
        elif operation == "delete":
            del mail[start:end]
        elif operation == "duplicate":
            mail[end:end] = mail[start:end]
        elif operation == "swap":
            other = draw(st.integers(0, size - 1))
            length = min(end - start, size - other)
            mail[start : start + length], mail[other : other + length] = (
                mail[other : other + length],
                mail[start : start + length],
            )
        elif operation == "flip":
            for position in draw(st.lists(st.integers(0, size - 1), max_size=20)):
                mail[position] ^= draw(st.integers(1, 255))
        elif operation == "header":
            line_start = mail.rfind(b"\n", 0, start) + 1
            mail[line_start:line_start] = draw(_HEADERISH) + b"\r\n"
        elif operation == "boundary":
            mail = bytearray(
                re.sub(rb"--=_(\w+)", lambda m: draw(st.sampled_from([b"", b"--", b"--=_", m[0][:-1]])), mail)
            )
        else:  # base64: stray characters, lost padding, '=' in the middle
            for position in draw(st.lists(st.integers(0, size - 1), max_size=10)):
                mail[position:position] = draw(st.sampled_from([b"=", b"==", b"*", b" ", b"\r\n", b"A"]))
    return bytes(mail)


def assert_well_formed(mail: ExtractedMail) -> None:
    assert isinstance(mail, ExtractedMail)
    assert mail.unreadable_reason or isinstance(mail.attachments, list)
    assert mail.date is None or mail.date.tzinfo is not None
    assert len(mail.snippet) <= 200
    for attachment in mail.attachments:
        assert attachment.size == len(attachment.data)
        assert attachment.sha256 == hashlib.sha256(attachment.data).hexdigest()
        assert attachment.display_name
        assert "/" not in attachment.display_name and "\\" not in attachment.display_name


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(garbled_mails())
def test_garbled_mail_never_raises_and_attachments_are_consistent(raw):
    assert_well_formed(extract_mail_using(raw, parse_structure))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise(raw):
    assert_well_formed(extract_mail_using(raw, parse_structure))


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abc:;=?\"'*%- \t\r\n\\<>@,B Q_")), max_size=400))
def test_header_shaped_noise_never_raises(text):
    raw = b"Subject: " + text.encode() + b"\r\nContent-Type: " + text.encode() + b"\r\n\r\nbody"
    assert_well_formed(extract_mail_using(raw, parse_structure))
