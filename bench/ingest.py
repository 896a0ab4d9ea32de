"""Ingest benchmark: the portal's poll against the physical limit of fetching the same mail over IMAP.

    .venv/bin/python bench/ingest.py [--rounds 3] [--sizes 10k,137k,2m] [--mails 1000] [--busy]
                                                                                   (make bench)

Starts a throw-away Dovecot on 127.0.0.1, uses a fresh PostgreSQL database of its own on 127.0.0.1:5432
(BENCH_DATABASE_URL to change; it is dropped at the end), and prints:
  1. per mail size (10 KB, 137 KB, 2 MB invoice-like mails), in interleaved rounds raw, poll, raw, poll ...:
     raw fetch (imapclient, BODY.PEEK[] over TLS, batches of 50, keeping nothing) vs the portal's poll of
     the same mails into an empty buffer: mails/s, client and server (Dovecot) CPU per mail, the ratios
     and the load average before each round; medians of the rounds (bench/ingest_rounds.py);
  2. idle poll time on a folder of 100 vs 10,000 mails, and its SQL query count;
  3. peak RSS of a poll ingesting one mail with a 50 MB attachment, and RSS while ingesting 10,000 mails;
  4. the beat tick's time to claim the due buffers among 30,000.
--busy runs a CPU hog on one core for the whole run (a busy machine). Only 127.0.0.1 is contacted.
"""

import argparse
import base64
import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/postgres"


# -- mails ----------------------------------------------------------------------------------------------


def invoice(number: int, pdf_size: int = 100_000) -> bytes:
    """An invoice-like mail: text + HTML alternative and one PDF; ~137 KB with the default PDF size."""
    message = EmailMessage()
    message["From"] = "Dostawca Sp. z o.o. <faktury@dostawca.example>"
    message["To"] = "ksiegowosc@klient.example"
    message["Subject"] = f"Faktura VAT {number}/11/2026"
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Message-ID"] = make_msgid(domain="dostawca.example")
    message.set_content(f"Dzień dobry,\n\nw załączeniu faktura {number}.\n\nPozdrawiamy\n" * 3)
    message.add_alternative(
        f"<p>Dzień dobry,</p><p>w załączeniu faktura <b>{number}</b>.</p>" * 3, subtype="html"
    )
    body = os.urandom(pdf_size - 200)
    pdf = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstream\n" + body + b"\nendstream\n%%EOF\n"
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"FV_{number}_11_2026.pdf")
    return message.as_bytes()


def small_mail(number: int) -> bytes:
    return (
        f"From: a@b.example\r\nTo: c@d.example\r\nSubject: note {number}\r\n"
        f"Message-ID: <n{number}@b.example>\r\n\r\nhello {number}\r\n"
    ).encode()


def load(server, login: str, folder: str, mails) -> None:
    with server.connect(login) as client:
        if folder != "INBOX":
            client.create_folder(folder)
        for raw in mails:
            client.append(folder, raw)


# -- Django on a database of the benchmark's own ------------------------------------------------------------


def configure_django(database_url: str, media_root: str) -> None:
    os.makedirs(os.path.join(media_root, "static"), exist_ok=True)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "intake.settings",
            "SECRET_KEY": "benchmark-only",
            "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(b"b" * 32).decode(),
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": media_root,
            "STATIC_ROOT": os.path.join(media_root, "static"),
            "MAIL_ALLOWED_NETWORKS": "127.0.0.1/32",
            "CELERY_BROKER_URL": "memory://",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()


def create_database(admin_url: str) -> str:
    import psycopg

    name = f"intake_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_buffer(server, user, folder: str, name: str):
    from intake.models import Tenant
    from mailboxes.models import Buffer, Mailbox

    tenant, _ = Tenant.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    mailbox = Mailbox.all_tenants.create(
        tenant=tenant,
        name=name,
        host="127.0.0.1",
        port=server.imaps_port,
        email_address="bench@example.test",
        login=user.login,
        password=user.password,
        trusted_certificate=server.tls.ca_cert.read_text(),
    )
    return Buffer.all_tenants.create(tenant=tenant, name=name, mailbox=mailbox, folder=folder)


def poll(buffer):
    from mailboxes.polling.poll import poll_mailbox

    result = poll_mailbox(buffer.mailbox_id, buffer_ids=[buffer.pk])
    if result.error or result.skipped:
        raise SystemExit(f"poll failed: {result}")
    return result


# -- measurements ---------------------------------------------------------------------------------------


def idle_poll(buffer, repeats: int = 20) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    poll(buffer)  # warm: connection set-up paths, caches
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            poll(buffer)
        timings.append(time.perf_counter() - started)
    timings.sort()
    return timings[len(timings) // 2], len(queries)


def child_rss(mode: str, args: dict) -> str:
    """Run one RSS measurement in a fresh process, so its peak belongs to that job alone."""
    command = [sys.executable, __file__, "--child", mode, *[f"--{k}={v}" for k, v in args.items()]]
    return subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout.strip()


def beat_tick(buffers: int = 30_000, due: int = 100) -> tuple[float, int]:
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from intake.models import Tenant
    from mailboxes.models import Buffer, Mailbox
    from mailboxes.polling.scheduling import claim_due_mailboxes

    tenant = Tenant.objects.create(slug="beat", name="Beat")
    later = timezone.now() + timedelta(hours=1)
    Buffer.all_tenants.update(next_poll_at=later)  # the earlier figures' buffers are not this tick's
    mailboxes = Mailbox.all_tenants.bulk_create(
        Mailbox(tenant=tenant, name=f"m{i}", host="imap.example.com", port=993, email_address="x@example.com")
        for i in range(buffers)
    )
    Buffer.all_tenants.bulk_create(
        (
            Buffer(
                tenant=tenant,
                name=f"b{i}",
                mailbox=m,
                next_poll_at=timezone.now() if i % (buffers // due) == 0 else later,
            )
            for i, m in enumerate(mailboxes)
        ),
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE mailboxes_buffer")
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        claimed = claim_due_mailboxes()
    elapsed = time.perf_counter() - started
    assert len(claimed) == due, len(claimed)
    return elapsed, len(queries)


# -- children (fresh processes for RSS) -------------------------------------------------------------------


def memory_mb(field: str) -> int:
    """VmHWM (peak) or VmRSS (now) of this process, in MB. Unlike ru_maxrss, VmHWM starts afresh at exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    raise KeyError(field)


def run_child(mode: str, options: dict) -> None:
    configure_django(options["db"], options["media"])
    from mailboxes.models import Buffer

    buffer = Buffer.all_tenants.get(pk=int(options["buffer"]))
    if mode == "big":
        poll(buffer)
        print(memory_mb("VmHWM"))
    elif mode == "many":
        # RSS after the first 1,000 mails and after all of them: flat means batches are not accumulated.
        from mailboxes.polling import ingest
        from mailboxes.polling import poll as polling

        samples = []
        original = ingest.store

        def sample(*args, **kwargs):  # after each batch's commit
            stored = original(*args, **kwargs)
            samples.append(memory_mb("VmRSS"))
            return stored

        ingest.store = sample
        poll(buffer)
        after_first_thousand = samples[min(len(samples) - 1, 1000 // polling.BATCH_MAILS - 1)]
        print(f"{after_first_thousand} {samples[-1]}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mails", type=int, default=1000, help="mails per size up to 256 KB (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved raw/poll rounds per size")
    parser.add_argument("--sizes", default="10k,137k,2m", help='mail sizes, e.g. "10k,137k,2m:100"')
    parser.add_argument("--busy", action="store_true", help="a CPU hog spins on one core meanwhile")
    parser.add_argument("--throughput-only", action="store_true", help="section 1 only")
    # Internal: child_rss() re-runs this script with these to measure RSS in a fresh process.
    parser.add_argument("--child")
    parser.add_argument("--db")
    parser.add_argument("--media")
    parser.add_argument("--buffer")
    return parser.parse_args()


def main() -> None:
    options = parse_args()
    if options.child:
        run_child(options.child, vars(options))
        return
    run_benchmark(options)


@contextlib.contextmanager
def bench_world():
    """A throw-away Dovecot, database and media dir with Django set up on them; always cleaned up.
    Yields (server, database_url, media)."""
    from tests.servers.certs import generate_tls_material
    from tests.servers.dovecot import DovecotServer

    admin_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    database_url = create_database(admin_url)
    media = tempfile.mkdtemp(prefix="intake-bench-media-")
    tls = generate_tls_material()
    server = DovecotServer(tls).start()
    try:
        configure_django(database_url, media)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        yield server, database_url, media
    finally:
        clean_up(server, admin_url, database_url, media, tls.directory)


def run_benchmark(options: argparse.Namespace) -> None:
    """Print the four figures (with --busy, all of them with a CPU hog on one core)."""
    from ingest_rounds import cpu_hog, report_throughput

    with cpu_hog(options.busy) as hog_core, bench_world() as (server, database_url, media):
        user = server.add_user()
        report_throughput(server, user, options, hog_core)
        if options.throughput_only:
            return
        many_rate = report_idle_poll(server, user)
        report_memory(server, user, {"db": database_url, "media": media}, many_rate)
        report_beat_tick()


def report_idle_poll(server, user) -> float:
    """2. idle poll of 100 vs 10,000 mails. Returns the rate of the first (ingesting) poll of the 10,000,
    which section 3 prints."""
    print("\n2. Idle poll (nothing new)")
    load(server, user.login, "Small", (small_mail(n) for n in range(100)))
    load(server, user.login, "Large", (small_mail(n) for n in range(10_000)))
    small, large = (
        make_buffer(server, user, "Small", "small"),
        make_buffer(server, user, "Large", "large"),
    )
    poll(small)
    started = time.perf_counter()
    poll(large)
    many_rate = 10_000 / (time.perf_counter() - started)
    idle_small, queries_small = idle_poll(small)
    idle_large, queries_large = idle_poll(large)
    print(f"   100 mails:    {idle_small * 1000:6.1f} ms, {queries_small} SQL queries")
    print(f"   10,000 mails: {idle_large * 1000:6.1f} ms, {queries_large} SQL queries")
    print(f"   ratio:        {idle_large / idle_small:6.2f}   (target <= 1.20)")
    return many_rate


def report_memory(server, user, child_args: dict, many_rate: float) -> None:
    """3. peak RSS of fresh poll processes; ``child_args`` carries the child's --db and --media."""
    print("\n3. Memory (peak RSS of a fresh poll process)")
    big_user = server.add_user()
    load(server, big_user.login, "INBOX", [invoice(1, pdf_size=50 * 1024 * 1024)])
    big = make_buffer(server, big_user, "INBOX", "big")
    big_rss = child_rss("big", {**child_args, "buffer": big.pk})
    print(f"   one mail with a 50 MB attachment: {big_rss} MB   (target <= 150)")
    many = make_buffer(server, user, "Large", "large-again")
    first, last = child_rss("many", {**child_args, "buffer": many.pk}).split()
    print(f"   10,000 mails: {first} MB after 1,000, {last} MB after 10,000 (RSS of the storing process)")
    print(f"   (10,000 small mails ingested at {many_rate:.0f} mails/s)")


def report_beat_tick() -> None:
    """4. the beat tick claiming the due buffers."""
    print("\n4. Beat tick")
    elapsed, queries = beat_tick()
    print(f"   claim due buffers among 30,000: {elapsed * 1000:.1f} ms, {queries} SQL queries")


def clean_up(server, admin_url: str, database_url: str, media: str, tls_directory: Path) -> None:
    server.close()
    from django.db import connections

    connections.close_all()
    drop_database(admin_url, database_url)
    import shutil

    shutil.rmtree(media, ignore_errors=True)
    shutil.rmtree(tls_directory, ignore_errors=True)


if __name__ == "__main__":
    main()
