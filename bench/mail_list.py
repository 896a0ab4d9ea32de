"""Mail list benchmark: the operators' list of a point with 1,000 vs 100,000 mails on PostgreSQL.

    .venv/bin/python bench/mail_list.py

For the first page, a search and a filtered page it prints the SQL query count and the median server
time of each size, and their ratio (target <= 1.5: the time must not grow with the mail count).
Uses a fresh database of its own on 127.0.0.1:5432 (BENCH_DATABASE_URL to change), dropped at the end.
"""

import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest import DEFAULT_DB, configure_django, create_database, drop_database  # noqa: E402

SIZES = (1_000, 100_000)
RARE_WORD = "umowa-najmu"  # in 10 mails of each point, however long it is: what an operator looks for


def populate(tenant, name: str, count: int):
    from django.utils import timezone

    from acd_points.models import AcdPoint
    from mailboxes.models import Buffer, Mailbox, Message

    mailbox = Mailbox.all_tenants.create(
        tenant=tenant, name=name, host="imap.example.com", email_address="x@x.example"
    )
    buffer = Buffer.all_tenants.create(tenant=tenant, name=name, mailbox=mailbox)
    now = timezone.now()
    batch = []
    for n in range(count):
        subject = f"Faktura VAT {n}/2026" + (f" {RARE_WORD}" if n % (count // 10) == 7 else "")
        sender = f"Dostawca {n % 97} <faktury{n % 97}@dostawca.example>"
        state = (
            Message.State.UNREADABLE
            if n % 100 == 3
            else (Message.State.GENERATED if n % 3 == 0 else Message.State.NEW)
        )
        batch.append(
            Message(
                tenant=tenant,
                buffer=buffer,
                folder="INBOX",
                uidvalidity=1,
                uid=n + 1,
                fingerprint=str(n),
                subject=subject,
                sender=sender,
                sender_address=f"faktury{n % 97}@dostawca.example",
                received_at=now - timedelta(minutes=count - n),
                size=137_000,
                raw=f"x/{n}.eml",
                state=state,
                attachment_count=1 if n % 10 else 0,
                search_text=f"{subject}\n{sender}\nfaktura_{n}.pdf".lower(),
            )
        )
        if len(batch) == 5000:
            Message.all_tenants.bulk_create(batch)
            batch = []
    Message.all_tenants.bulk_create(batch)
    return AcdPoint.all_tenants.create(tenant=tenant, name=name, buffer=buffer)


def measure(client, url: str, params: dict, repeats: int = 15) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params)  # warm caches
    timings = []
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, params)
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(timings), len(queries)


def main() -> None:
    admin_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    database_url = create_database(admin_url)
    try:
        configure_django(database_url, tempfile.mkdtemp(prefix="intake-bench-media-"))
        os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        settings.ALLOWED_HOSTS = ["testserver"]
        # No collectstatic here: plain static URLs (the manifest storage needs one).
        settings.STORAGES["staticfiles"] = {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        }
        call_command("migrate", verbosity=0)
        from intake.models import Employee
        from intake.tenants import add_employee, create_tenant

        tenant = create_tenant(name="Bench", slug="bench")
        operator = add_employee(
            tenant=tenant, username="bench", role=Employee.Role.ADMINISTRATOR, password=None
        )
        print("Creating points with", " and ".join(f"{n:,}" for n in SIZES), "mails ...")
        points = {size: populate(tenant, f"p{size}", size) for size in SIZES}
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE mailboxes_message")
        client = Client()
        client.force_login(operator.user)
        cases = {
            "first page": {},
            f"search '{RARE_WORD}'": {"q": RARE_WORD},
            "filtered (unreadable, with attachments)": {"state": "unreadable", "has_attachments": "1"},
        }
        print(f"\n{'':42}{'1,000 mails':>20}{'100,000 mails':>22}{'ratio':>8}")
        for label, params in cases.items():
            small = measure(client, f"/acd/points/{points[SIZES[0]].pk}/", params)
            large = measure(client, f"/acd/points/{points[SIZES[1]].pk}/", params)
            small_text = f"{small[0] * 1000:9.1f} ms {small[1]:2d} SQL"
            large_text = f"{large[0] * 1000:11.1f} ms {large[1]:2d} SQL"
            print(f"{label:42}{small_text}{large_text}{large[0] / small[0]:8.2f}")
        print("\n(target: ratio <= 1.5 and the same query count for both sizes)")
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(admin_url, database_url)


if __name__ == "__main__":
    main()
