"""Mangling valid mails the ways transfers and broken mailers mangle them (a hypothesis strategy)."""

import re

from hypothesis import strategies as st

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
