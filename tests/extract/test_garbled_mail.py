"""Robustness: whatever bytes arrive, extraction returns a result and never raises.

Valid mails are mangled the ways transfers and broken mailers mangle them (truncation, lost, repeated or
swapped ranges, flipped bytes, stray header lines, broken boundaries and base64), and arbitrary bytes
are fed too. The exception-swallowing wrapper is bypassed (extract_mail_using), so a bug shows up here
as an exception instead of hiding behind an "internal error" result.
"""

import hashlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailboxes.extract import ExtractedMail
from mailboxes.extract.extractor import extract_mail_using, parse_structure
from tests.extract.garbling import garbled_mails
from tests.extract.rendered import english


def assert_well_formed(mail: ExtractedMail) -> None:
    assert isinstance(mail, ExtractedMail)
    assert english(mail.unreadable_reason) or isinstance(mail.attachments, list)
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
