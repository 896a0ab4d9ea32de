"""Mail that real senders (and attackers) send: valid seeds and the mutations a property test applies
to them, plus single hostile mails the isolation tests use."""

import random

from hypothesis import strategies as st

from tests.builders.mail import PDF, PNG, invoice_mail
from tests.extract.mailbuilder import (
    attachment_part,
    forwarded,
    html_part,
    mail_with_parts,
    text_part,
    tnef_bytes,
)

ABSURD_DATES = (
    "Fri, 31 Dec 9999 23:59:59 -1200",
    "Mon, 1 Jan 0001 00:00:00 +1400",
    "Thu, 1 Jan 1970 00:00:00 +0000",
    "Sun, 31 Dec 2199 12:00:00 +0000",
    "99999999999999999999",
    "",
)


def mail_dated(date: str, number: int = 1) -> bytes:
    """An invoice mail whose Date header says `date`."""
    raw = invoice_mail(number)
    head, _, rest = raw.partition(b"\nDate: ")
    rest = rest.split(b"\n", 1)[1]
    return head + b"\nDate: " + date.encode() + b"\n" + rest


def seed_mails() -> list[bytes]:
    """Valid mails of the shapes invoices arrive in, to be mutated."""
    forwarded_invoice = mail_with_parts([text_part(), forwarded(invoice_mail(2))], subject="Fwd: Faktura")
    with_tnef = mail_with_parts(
        [text_part(), attachment_part(tnef_bytes([("f.pdf", PDF)]), content_type="application/ms-tnef")]
    )
    related = mail_with_parts([html_part('<p><img src="cid:logo@x"></p>'), attachment_part(PDF)])
    return [
        invoice_mail(1, attachments=[("f.pdf", PDF), ("logo.png", PNG)]),
        forwarded_invoice,
        with_tnef,
        related,
    ]


SEEDS = seed_mails()
_EXTREME_VALUES = (b"", b" ", b"=?utf-8?B?", b"\xff\xfe\x00", b"x" * 70_000, b"=?x?q?" * 500, b"(" * 5000)


def _flip(rng: random.Random, raw: bytearray) -> bytearray:
    for _ in range(rng.randint(1, 8)):
        if raw:
            raw[rng.randrange(len(raw))] = rng.randrange(256)
    return raw


def _truncate(rng: random.Random, raw: bytearray) -> bytearray:
    return raw[: rng.randrange(len(raw) + 1)]


def _lines(raw: bytearray) -> list[bytes]:
    return bytes(raw).split(b"\n")


def _delete_line(rng: random.Random, raw: bytearray) -> bytearray:
    lines = _lines(raw)
    del lines[rng.randrange(len(lines))]
    return bytearray(b"\n".join(lines))


def _duplicate_line(rng: random.Random, raw: bytearray) -> bytearray:
    lines = _lines(raw)
    at = rng.randrange(len(lines))
    lines.insert(at, lines[at] * rng.choice((1, 1, 3)))
    return bytearray(b"\n".join(lines))


def _mangle_boundary(rng: random.Random, raw: bytearray) -> bytearray:
    lines = _lines(raw)
    boundaries = [i for i, line in enumerate(lines) if line.startswith(b"--")]
    if boundaries:
        i = rng.choice(boundaries)
        lines[i] = rng.choice((b"--", lines[i][:-3], lines[i] + b"--", b"--" + lines[i], b""))
    return bytearray(b"\n".join(lines))


def _mangle_header(rng: random.Random, raw: bytearray) -> bytearray:
    lines = _lines(raw)
    headers = [i for i, line in enumerate(lines[:40]) if b":" in line]
    if headers:
        i = rng.choice(headers)
        name = lines[i].split(b":", 1)[0]
        value = rng.choice(_EXTREME_VALUES + tuple(d.encode() for d in ABSURD_DATES))
        lines[i] = rng.choice((name + b": " + value, name + b":", b":" + value, name + value))
    return bytearray(b"\n".join(lines))


def _extreme_date(rng: random.Random, raw: bytearray) -> bytearray:
    lines = _lines(raw)
    dates = [i for i, line in enumerate(lines) if line.lower().startswith(b"date:")]
    line = b"Date: " + rng.choice(ABSURD_DATES).encode()
    if dates:
        lines[dates[0]] = line
    else:
        lines.insert(0, line)
    return bytearray(b"\n".join(lines))


MUTATIONS = (_flip, _truncate, _delete_line, _duplicate_line, _mangle_boundary, _mangle_header, _extreme_date)


@st.composite
def mutated_mails(draw) -> bytes:
    """A seed mail after one to four mutations (byte flips, truncation, lines deleted or duplicated,
    boundaries and headers mangled, extreme dates, huge and empty values)."""
    raw = bytearray(draw(st.sampled_from(SEEDS)))
    rng = random.Random(draw(st.integers(0, 2**32)))
    for mutation in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4)):
        raw = mutation(rng, raw)
    return bytes(raw)
