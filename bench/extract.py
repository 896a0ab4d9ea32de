"""Benchmark of mail extraction: the standard library's parser against mailboxes.extract.extract_mail.

    .venv/bin/python bench/extract.py [-n 1000] [--big-mb 50]

Builds N invoice-like mails (~137 KB: headers as a real relay chain leaves them, a text and an HTML
alternative, one base64 PDF of random-ish content) in memory and reports mails/s and MB/s for
(a) email.message_from_bytes(policy=default) + walking it, decoding attachments and hashing them, and
(b) extract_mail. Then, in a fresh process, the peak RSS of extracting one mail with a 50 MB attachment.
"""

import argparse
import base64
import email
import email.policy
import hashlib
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CRLF = b"\r\n"
TARGET_MAIL_SIZE = 137 * 1024


def pdf_like(size: int, rng: random.Random) -> bytes:
    """PDF structure around compressed-looking (random) streams and some plain text objects."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    number = 1
    while len(out) < size - 200:
        text = b"BT /F1 10 Tf 72 %d Td (Invoice line %d: %d.%02d EUR) Tj ET\n" % (
            rng.randrange(800),
            number,
            rng.randrange(10_000),
            rng.randrange(100),
        )
        stream = rng.randbytes(min(4096, max(0, size - 200 - len(out))))
        out += b"%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % (number, len(stream))
        out += stream + b"\nendstream\nendobj\n" + text
        number += 1
    out += b"xref\n0 %d\ntrailer\n<< /Size %d >>\nstartxref\n%d\n%%%%EOF\n" % (number, number, len(out))
    return bytes(out)


def wrap_base64(data: bytes) -> bytes:
    encoded = base64.b64encode(data)
    return CRLF.join(encoded[i : i + 76] for i in range(0, len(encoded), 76))


def invoice_mail(index: int, rng: random.Random, pdf_size: int | None = None) -> bytes:
    """One invoice mail; without `pdf_size`, the PDF is sized to make the mail about 137 KB."""
    received = b"".join(
        b"Received: from mx%d.relay.example (mx%d.relay.example [192.0.2.%d])\r\n"
        b"\tby mail.customer.example with ESMTPS id %08x\r\n"
        b"\tfor <accounts@customer.example>; Tue, 03 Mar 2026 10:15:%02d +0100\r\n"
        % (hop, hop, hop, index, hop)
        for hop in range(4)
    )
    headers = (
        received
        + b"DKIM-Signature: v=1; a=rsa-sha256; d=supplier.example; s=mail; h=from:to:subject:date;\r\n"
        b"\tbh="
        + base64.b64encode(rng.randbytes(32))
        + b";\r\n\tb="
        + base64.b64encode(rng.randbytes(180))
        + b"\r\n"
        b"From: =?utf-8?Q?Dodavatel_=C4=8Cesk=C3=BD_s.r.o.?= <billing@supplier.example>\r\n"
        b"To: Accounts <accounts@customer.example>\r\n"
        b"Subject: =?utf-8?B?" + base64.b64encode(f"Faktura č. {index}/2026".encode()) + b"?=\r\n"
        b"Date: Tue, 03 Mar 2026 10:15:00 +0100\r\n"
        b"Message-ID: <invoice-%d@supplier.example>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="=_mixed_%d"\r\n\r\n' % (index, index)
    )
    text = ("Dobrý den,\r\nv příloze zasíláme fakturu.\r\n\r\nS pozdravem\r\nDodavatel\r\n" * 3).encode()
    html = (
        b"<html><body>"
        + b"<p>Dobr=C3=BD den, v p=C5=99=C3=ADloze zas=C3=ADl=C3=A1me fakturu.</p>" * 6
        + b"</body></html>"
    )
    alternative = (
        b'Content-Type: multipart/alternative; boundary="=_alt_%d"\r\n\r\n' % index
        + b"--=_alt_%d\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        % index
        + text
        + b"\r\n--=_alt_%d\r\nContent-Type: text/html; charset=utf-8\r\n" % index
        + b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        + html
        + b"\r\n--=_alt_%d--\r\n" % index
    )
    if pdf_size is None:
        overhead = len(headers) + len(alternative) + 400
        pdf_size = (TARGET_MAIL_SIZE - overhead) * 3 // 4 * 76 // 78
    attachment = (
        b'Content-Type: application/pdf; name="Faktura_%d_2026.pdf"\r\n' % index
        + b'Content-Disposition: attachment; filename="Faktura_%d_2026.pdf"\r\n' % index
        + b"Content-Transfer-Encoding: base64\r\n\r\n"
        + wrap_base64(pdf_like(pdf_size, rng))
    )
    return (
        headers
        + b"This is a multi-part message in MIME format.\r\n"
        + b"--=_mixed_%d\r\n" % index
        + alternative
        + b"\r\n--=_mixed_%d\r\n" % index
        + attachment
        + b"\r\n--=_mixed_%d--\r\n" % index
    )


def stdlib_extract(raw: bytes) -> int:
    """What a straightforward implementation does with the standard library; returns bytes decoded."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    decoded = 0
    for part in message.walk():
        if part.is_multipart():
            continue
        if part.get_filename() or part.get_content_disposition() == "attachment":
            data = part.get_payload(decode=True) or b""
            hashlib.sha256(data).hexdigest()
            decoded += len(data)
        elif part.get_content_type() == "text/plain":
            part.get_content()
    return decoded


def measure(label: str, function, mails: list[bytes]) -> float:
    total = sum(len(mail) for mail in mails)
    started = time.perf_counter()
    for mail in mails:
        function(mail)
    elapsed = time.perf_counter() - started
    rate = len(mails) / elapsed
    print(f"{label:<44} {rate:8.0f} mails/s {total / elapsed / 1e6:8.1f} MB/s  ({elapsed:.2f} s)")
    return rate


def peak_rss_child(path: str) -> None:
    """Runs in a fresh process: read the big mail, extract it, print RSS figures in MB."""
    from mailboxes.extract import extract_mail

    idle = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    raw = Path(path).read_bytes()
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    mail = extract_mail(raw)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sizes = ",".join(str(attachment.size) for attachment in mail.attachments)
    print(f"{idle:.1f} {loaded:.1f} {peak:.1f} {sizes}")


def write_big_mail(path: str, megabytes: int) -> None:
    """Runs in its own process, so that building the mail does not count towards the measured peak."""
    Path(path).write_bytes(invoice_mail(1, random.Random(50), pdf_size=megabytes * 1024 * 1024))


def measure_big_mail(megabytes: int) -> None:
    """Peak RSS of extracting a mail with one `megabytes` MB attachment, in a fresh process.

    Run before anything big is built here: on Linux a child's ru_maxrss starts from the peak of the
    process that spawned it.
    """
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "big.eml")
        subprocess.run(
            [sys.executable, __file__, "--write-big-mail", path, "--big-mb", str(megabytes)], check=True
        )
        mail_size = os.path.getsize(path)
        result = subprocess.run(
            [sys.executable, __file__, "--peak-rss-child", path], capture_output=True, text=True, check=True
        )
    idle, loaded, peak, sizes = result.stdout.split()
    idle, loaded, peak = float(idle), float(loaded), float(peak)
    print(
        f"{megabytes} MB attachment (mail {mail_size / 2**20:.0f} MB): peak RSS {peak:.0f} MB = "
        f"interpreter+imports {idle:.0f} MB + raw mail {loaded - idle:.0f} MB + "
        f"extraction {peak - loaded:.0f} MB; "
        f"mail+extraction = {(peak - idle) / megabytes:.2f}x the attachment size (found: {sizes} bytes)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="number of mails (default 1000)")
    parser.add_argument("--big-mb", type=int, default=50, help="attachment size of the memory test in MB")
    parser.add_argument("--peak-rss-child", help=argparse.SUPPRESS)
    parser.add_argument("--write-big-mail", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak_rss_child:
        peak_rss_child(args.peak_rss_child)
        return
    if args.write_big_mail:
        write_big_mail(args.write_big_mail, args.big_mb)
        return
    measure_big_mail(args.big_mb)

    from mailboxes.extract import extract_mail

    rng = random.Random(2026)
    mails = [invoice_mail(index, rng) for index in range(args.n)]
    average = sum(map(len, mails)) / len(mails) / 1024
    print(
        f"{args.n} invoice mails, {average:.0f} KB on average, one {os.cpu_count()}-CPU machine, one process"
    )
    extract_mail(mails[0])  # warm up: libmagic database, caches
    stdlib_rate = measure("(a) stdlib message_from_bytes(policy=default)", stdlib_extract, mails)
    fast_rate = measure("(b) extract_mail", extract_mail, mails)
    print(f"extract_mail is {fast_rate / stdlib_rate:.1f}x the standard library")
    measure_hostile_shapes(extract_mail)


# Shapes that once made parsing superlinear, each built at a size and four times that size: CPU time per
# MB should stay the same (ratio near 1.0) if the cost is linear.
HOSTILE_SHAPES = {
    "nested unclosed multiparts, one boundary": lambda n: (
        b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n"
        + b"--b0\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n" * n
    ),
    "nested multiparts without blank lines": lambda n: (
        b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n"
        + b"".join(b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n" % (i, i + 1) for i in range(n))
    ),
    "folded Content-Type parameters": lambda n: (
        b"Subject: x\r\nContent-Type: multipart/mixed; "
        + b"a;\r\n " * (2 * n)
        + b"boundary=x\r\n:bad\r\n\r\n--x\r\n\r\nhello\r\n--x--\r\n"
    ),
    "parts by the thousand": lambda n: (
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + b"--b\r\n\r\nline\r\n" * n + b"--b--\r\n"
    ),
}


def measure_hostile_shapes(extract_mail, base: int = 25_000) -> None:
    print("hostile shapes: CPU ms per MB at n and 4n, and their ratio (1.0 = linear)")
    for label, build in HOSTILE_SHAPES.items():
        per_mb = []
        for n in (base, 4 * base):
            raw = build(n)
            started = time.process_time()
            extract_mail(raw)
            per_mb.append((time.process_time() - started) * 1000 / (len(raw) / 1e6))
        print(f"  {label:42} {per_mb[0]:8.1f} {per_mb[1]:8.1f}  ratio {per_mb[1] / per_mb[0]:.2f}")


if __name__ == "__main__":
    main()
