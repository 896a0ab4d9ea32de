"""The fast parser and the standard library's parser must read valid mail identically.

The fast path is only worth having if it changes nothing but the speed: for every mail in this corpus it
must not fall back, and it must produce the same MIME tree (headers, body bytes, defects) and so the
same ExtractedMail as the standard library's parser.
"""

import pytest
from hypothesis import HealthCheck, assume, given, settings

from mailboxes.extract import extract_mail
from mailboxes.extract.extractor import extract_mail_using
from mailboxes.extract.fastmime import parse_fast
from mailboxes.extract.parts import TOO_DEEP, MimePart, NeedsFullParser
from mailboxes.extract.stdlib_tree import parse_with_stdlib
from tests.extract.garbling import garbled_mails
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
    tnef_bytes,
    top_headers,
)


def nested(levels: int) -> bytes:
    body = attachment_part(pdf_bytes())
    for level in range(levels):
        body = entity(
            [f'Content-Type: multipart/mixed; boundary="n{level}"'], multipart_body(f"n{level}", [body])
        )
    head, rest = body.split(CRLF + CRLF, 1)
    return entity([*top_headers(), head.decode()], rest)


def digest() -> bytes:
    # Parts of a digest have no headers of their own (blank line first) and are messages by default.
    messages = [
        CRLF + entity(["Subject: one", "Content-Type: text/plain"], b"first"),
        CRLF + entity(["Subject: two"], b"second"),
    ]
    inner = entity(['Content-Type: multipart/digest; boundary="dg"'], multipart_body("dg", messages))
    return mail_with_parts([text_part(), inner])


def related_mail() -> bytes:
    logo = entity(
        ["Content-Type: image/png", "Content-Transfer-Encoding: base64", "Content-ID: <l@x>"],
        b64(png_bytes()),
    )
    photo = entity(
        [
            'Content-Type: image/jpeg; name="p.jpg"',
            "Content-Transfer-Encoding: base64",
            "Content-Disposition: inline",
        ],
        b64(jpeg_bytes()),
    )
    related = entity(
        ['Content-Type: multipart/related; boundary="rel"'], multipart_body("rel", [html_part(), logo, photo])
    )
    return mail_with_parts([related, attachment_part(pdf_bytes(), content_type="application/octet-stream")])


def odd_but_valid_boundaries() -> bytes:
    # Boundary lines with trailing blanks, a boundary-like line in the text, a preamble and an epilogue.
    text = text_part("--b is not a boundary here\r\n---b neither\r\n")
    body = (
        b"preamble\r\n--b  \r\n"
        + text
        + b"\r\n--b\t\r\n"
        + attachment_part(pdf_bytes())
        + b"\r\n--b--  \r\nepilogue\r\n"
    )
    return entity([*top_headers(), "Content-Type: multipart/mixed; boundary=b"], body)


CORPUS = {
    "invoice": invoice_mail(),
    "invoice with LF line ends": invoice_mail().replace(CRLF, b"\n"),
    "mbox From line first": b"From billing@supplier.example Tue Mar  3 10:15:00 2026\r\n" + invoice_mail(),
    "forwarded twice": mail_with_parts(
        [forwarded(mail_with_parts([forwarded(invoice_mail(tag="a"))], boundary="=_b", subject="Fwd"))]
    ),
    "forwarded, base64-encoded": mail_with_parts(
        [
            entity(
                ["Content-Type: message/rfc822", "Content-Transfer-Encoding: base64"],
                b64(invoice_mail(tag="c")),
            )
        ]
    ),
    "named forwarded eml": mail_with_parts([forwarded(invoice_mail(tag="d"), named="x.eml")]),
    "winmail.dat": mail_with_parts(
        [attachment_part(tnef_bytes([("a.pdf", pdf_bytes())]), content_type="application/ms-tnef")]
    ),
    "related with logo and named photo": related_mail(),
    "digest": digest(),
    "html only": entity(
        [*top_headers(), "Content-Type: text/html; charset=utf-8"], b"<p>Hi <b>there</b></p>"
    ),
    "single-part pdf": entity(
        [*top_headers(), "Content-Type: application/pdf", "Content-Transfer-Encoding: base64"],
        b64(pdf_bytes()),
    ),
    "headers only": CRLF.join(line.encode() for line in top_headers()),
    "headers only, blank line": CRLF.join(line.encode() for line in top_headers()) + CRLF + CRLF,
    "no content type at all": b"Subject: plain\r\nFrom: a@b\r\n\r\nJust text\r\n",
    "raw 8-bit headers and names": mail_with_parts(
        [
            entity(
                ['Content-Type: application/pdf; name="Účet č. 1.pdf"', "Content-Transfer-Encoding: base64"],
                b64(pdf_bytes()),
            )
        ],
        subject="Faktura č. 1 \u2013 březen",
    ),
    "encoded names": mail_with_parts(
        [
            attachment_part(
                pdf_bytes(), disposition="attachment; filename*0*=utf-8''%C4%8C; filename*1*=.pdf"
            ),
            attachment_part(pdf_bytes(), disposition='attachment; filename="=?windows-1250?Q?=8Akoda.pdf?="'),
        ]
    ),
    "zero-byte and duplicate names": mail_with_parts(
        [
            entity(['Content-Type: application/pdf; name="z.pdf"', "Content-Disposition: attachment"], b""),
            attachment_part(pdf_bytes(seed=1)),
            attachment_part(pdf_bytes(seed=2)),
        ]
    ),
    "folded headers": entity(
        [*top_headers(), 'Content-Type: multipart/mixed;\r\n\tboundary="folded"'],
        multipart_body(
            "folded",
            [text_part(), attachment_part(pdf_bytes(), disposition="attachment;\r\n filename=f.pdf")],
        ),
    ),
    "odd but valid boundaries": odd_but_valid_boundaries(),
    "nested 20 levels": nested(20),
    "nested beyond the limit": nested(60),
    "missing final boundary": entity(
        [*top_headers(), 'Content-Type: multipart/mixed; boundary="open"'],
        multipart_body("open", [text_part(), attachment_part(pdf_bytes())], close=False),
    ),
    "multipart transfer-encoded": entity(
        [*top_headers(), 'Content-Type: multipart/mixed; boundary="q"', "Content-Transfer-Encoding: base64"],
        multipart_body("q", [text_part()]),
    ),
}


def tree_shape(part: MimePart) -> tuple:
    body = part.source[part.body_start : part.body_end]
    if TOO_DEEP in part.defects:
        # Kept opaque: raw bytes on the fast path, written out again by the standard library's.
        body = b"(too deep)" if body else b""
    return (
        part.headers,
        part.content_type,
        part.kind,
        body,
        part.defects,
        [tree_shape(c) for c in part.children],
    )


@pytest.mark.parametrize("name", CORPUS)
def test_fast_parser_reads_valid_mail_exactly_like_the_standard_library(name):
    raw = CORPUS[name]
    fast_tree = parse_fast(raw)  # raises NeedsFullParser if the fast path gave up: that fails the test
    assert tree_shape(fast_tree) == tree_shape(parse_with_stdlib(raw))
    fast, full = extract_mail_using(raw, parse_fast), extract_mail_using(raw, parse_with_stdlib)
    for mail in (fast, full):
        for attachment in mail.attachments:
            if attachment.problem == "too_deep":
                attachment.data = attachment.sha256 = attachment.size = attachment.sniffed_type = None
    assert fast == full


def test_corpus_mails_are_readable_and_mostly_have_attachments():
    mails = [extract_mail(raw) for raw in CORPUS.values()]
    assert all(mail.unreadable_reason == "" for mail in mails)
    assert sum(bool(mail.attachments) for mail in mails) >= 15


@pytest.mark.parametrize(
    "raw",
    [
        # Body starts right after the headers, without the blank line.
        b"Subject: x\r\nContent-Type: text/plain\r\nHello there\r\n",
        # Headers start with a continuation line.
        b" folded\r\nSubject: x\r\n\r\nbody",
        # Bare CR line ends in the header block.
        b"Subject: x\rFrom: a@b\r\r\nbody",
        # A close boundary before any open one.
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b--\r\n--b\r\n\r\ntext\r\n',
        # Two boundary lines with nothing between them.
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nx\r\n--b--",
    ],
    ids=["no blank line", "leading continuation", "bare CR", "close first", "adjacent boundaries"],
)
def test_odd_structure_is_left_to_the_standard_library(raw):
    with pytest.raises(NeedsFullParser):
        parse_fast(raw)
    assert extract_mail(raw) == extract_mail_using(raw, parse_with_stdlib)


def test_mail_the_fast_path_gives_up_on_still_yields_its_attachment():
    pdf = pdf_bytes()
    raw = invoice_mail(pdf).replace(
        b"MIME-Version: 1.0\r\n", b"MIME-Version: 1.0\r\nnot a header line\r\n", 1
    )
    with pytest.raises(NeedsFullParser):
        parse_fast(raw)
    # The standard library reads "not a header line" as the start of the body: the rest is plain text.
    assert extract_mail(raw).unreadable_reason == ""
    good = invoice_mail(pdf)
    assert [a.data for a in extract_mail(good).attachments] == [pdf]


def _reads_encoded_message_or_guesses(part: MimePart) -> bool:
    """Where the fast path deliberately does better than the standard library (which neither decodes a
    transfer-encoded message/rfc822 nor guesses a missing boundary), the trees may differ."""
    encoding = (part.header("content-transfer-encoding") or "").strip().lower()
    if part.kind == "message" and encoding in ("base64", "quoted-printable"):
        return True
    if any(defect.mentions("extract.boundary_guessed") for defect in part.defects):
        return True
    return any(_reads_encoded_message_or_guesses(child) for child in part.children)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(garbled_mails())
def test_whatever_the_fast_parser_accepts_it_reads_like_the_standard_library(raw):
    try:
        fast_tree = parse_fast(raw)
    except NeedsFullParser:
        return  # left to the standard library: nothing to compare
    assume(not _reads_encoded_message_or_guesses(fast_tree))
    assert tree_shape(fast_tree) == tree_shape(parse_with_stdlib(raw))
