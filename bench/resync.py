"""Resync benchmark: what a renumbered folder (a new UIDVALIDITY) costs a poll; what the orphan sweep costs.

    .venv/bin/python bench/resync.py [--mails N]      (default 1,000 invoice-like mails, ~137 KB each)

Starts a throw-away Dovecot on 127.0.0.1, uses a fresh PostgreSQL database of its own on 127.0.0.1:5432
(BENCH_DATABASE_URL to change; it is dropped at the end) and a fresh media folder, and prints:
  1. the first poll of the folder into an empty buffer (the baseline);
  2. the poll after the folder was deleted and re-appended with the SAME arrival times (INTERNALDATE):
     stored mails re-pointed by fingerprint, nothing downloaded again;
  3. the same with NEW arrival times (the migration case): every mail is hashed on the server's bytes;
  4. a fresh poll of that folder into another empty buffer (what a resync cost before: all again),
     side by side with 3;
  5. the orphan sweep over the stored mails (nothing to remove), then with K aged orphan folders;
  6. load average at start and end, CPU count; every step's wall and CPU time, also per mail.
CPU is this process's plus its reaped children's (the poll's forked fetchers), not Dovecot's or
PostgreSQL's. "Server bytes" are what Dovecot's IMAP processes sent (out=, before TLS) and of that the
mails' bodies (body_bytes=), from its logout lines. Only 127.0.0.1 is contacted.
"""

import argparse
import logging
import os
import re
import resource
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest import bench_world, invoice, make_buffer, poll  # noqa: E402

FOLDER = "Faktury"
ORPHANS = 200
ORPHAN_AGE = 3600  # seconds: well past any sweep's threshold


# -- measuring -------------------------------------------------------------------------------------------


@dataclass
class Cost:
    wall: float = 0.0
    cpu: float = 0.0
    sent: int = 0  # bytes Dovecot sent to IMAP clients
    bodies: int = 0  # of which mails' bodies


def cpu_seconds() -> float:
    """User + system time of this process and of its children that were waited for (forked fetchers)."""
    usages = (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    return sum(usage.ru_utime + usage.ru_stime for usage in usages)


class ServerLog:
    """Bytes sent by Dovecot's IMAP sessions that ended after a mark, from their logout lines."""

    LINE = re.compile(r"imap\(.*Disconnected.* out=(\d+).* body_bytes=(\d+)")

    def __init__(self, server):
        self.path = server.log_path

    def mark(self) -> int:
        return self.path.stat().st_size

    def totals(self, offset: int) -> tuple[int, int]:
        # Dovecot's log process writes a moment later: wait until no new session line comes.
        seen, stable_since = -1, time.monotonic()
        while time.monotonic() - stable_since < 0.5:
            with self.path.open("rb") as log:
                log.seek(offset)
                found = [self.LINE.search(line) for line in log.read().decode(errors="replace").splitlines()]
            found = [match for match in found if match]
            if len(found) != seen:
                seen, stable_since = len(found), time.monotonic()
            time.sleep(0.1)
        return sum(int(m[1]) for m in found), sum(int(m[2]) for m in found)


@contextmanager
def measured(log: ServerLog):
    cost = Cost()
    offset, wall, cpu = log.mark(), time.perf_counter(), cpu_seconds()
    yield cost
    cost.wall, cost.cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    cost.sent, cost.bodies = log.totals(offset)


class ResyncCounts(logging.Handler):
    """Collects resync's summary line ("... N by fingerprint, N by content; N not on the server")."""

    PATTERN = re.compile(r"(\d+) by fingerprint, (\d+) by content; (\d+) not on the server")

    def __init__(self):
        super().__init__(logging.INFO)
        self.reports: list[tuple[int, int, int]] = []

    def emit(self, record: logging.LogRecord) -> None:
        match = self.PATTERN.search(record.getMessage())
        if match:
            self.reports.append((int(match[1]), int(match[2]), int(match[3])))

    def install(self) -> "ResyncCounts":
        logger = logging.getLogger("mailboxes.polling.resync")
        logger.setLevel(logging.INFO)  # the benchmark's LOG_LEVEL is WARNING; this line is INFO
        logger.addHandler(self)
        logger.propagate = False  # counted here, not printed
        return self

    def last(self) -> tuple[int, int, int]:
        if not self.reports:
            raise SystemExit("the poll did not resynchronise (no UIDVALIDITY change seen)")
        return self.reports[-1]


def line(label: str, cost: Cost, mails: int, *, imap: bool = True) -> None:
    print(
        f"   {label:<28} wall {cost.wall:7.2f} s  cpu {cost.cpu:7.2f} s  "
        f"cpu/mail {cost.cpu / mails * 1000:7.2f} ms  wall/mail {cost.wall / mails * 1000:7.2f} ms"
    )
    if imap:
        print(f"   {'':<28} server sent {cost.sent / 1e6:8.1f} MB (mail bodies {cost.bodies / 1e6:.1f} MB)")


# -- the folder ------------------------------------------------------------------------------------------


def fill(server, login: str, mails: list[bytes], times: list[datetime], *, recreate: bool) -> float:
    """(Re)make the folder with `mails` arriving at `times`; a recreated folder gets a new UIDVALIDITY."""
    started = time.perf_counter()
    with server.connect(login) as client:
        if recreate:
            client.delete_folder(FOLDER)
        client.create_folder(FOLDER)
        for raw, moment in zip(mails, times, strict=True):
            client.append(FOLDER, raw, msg_time=moment)
    return time.perf_counter() - started


def check_rows(buffer, mails: int) -> tuple[int, int]:
    """(rows, duplicates) of the buffer; every row must be on the folder's current numbering."""
    from mailboxes.models import Buffer, Message

    # all_tenants: the benchmark runs outside any tenant's request; it reads its own buffer's rows.
    rows = Message.all_tenants.filter(buffer_id=buffer.pk)
    # all_tenants: as above.
    current = Buffer.all_tenants.get(pk=buffer.pk).uidvalidity
    total = rows.count()
    duplicates = total - rows.values("raw_sha256").distinct().count()
    stale = rows.exclude(uidvalidity=current).count()
    assert (total, duplicates, stale) == (mails, 0, 0), (total, duplicates, stale)
    return total, duplicates


# -- the steps -------------------------------------------------------------------------------------------


def step_baseline(server, user, log: ServerLog, mails: list[bytes], times: list[datetime]):
    seconds = fill(server, user.login, mails, times, recreate=False)
    print(f"   (folder filled in {seconds:.1f} s)")
    buffer = make_buffer(server, user, FOLDER, "resync")
    with measured(log) as cost:
        stored = poll(buffer).new_messages[buffer.pk]
    assert stored == len(mails), stored
    check_rows(buffer, len(mails))
    print("\n1. Baseline: first poll into an empty buffer (the process's first: includes warm-up)")
    line(f"{stored} mails stored", cost, len(mails))
    return buffer, cost


def step_resync(server, user, log: ServerLog, buffer, counts: ResyncCounts, mails, times, title: str):
    seconds = fill(server, user.login, mails, times, recreate=True)
    with measured(log) as cost:
        stored = poll(buffer).new_messages[buffer.pk]
    rows, duplicates = check_rows(buffer, len(mails))
    by_fingerprint, by_content, left = counts.last()
    print(f"\n{title}")
    print(f"   (folder deleted and re-appended in {seconds:.1f} s)")
    line("resync poll", cost, len(mails))
    print(
        f"   re-pointed: {by_fingerprint} by fingerprint, {by_content} by content (hashed on the server's "
        f"bytes), {left} not on the server\n   stored anew: {stored}; rows {rows}, duplicates={duplicates}"
    )
    return cost, (by_fingerprint, by_content)


def step_fresh(server, user, log: ServerLog, mails: int, resync: Cost, same_dates: Cost) -> Cost:
    buffer = make_buffer(server, user, FOLDER, "fresh")
    with measured(log) as cost:
        stored = poll(buffer).new_messages[buffer.pk]
    assert stored == mails, stored
    check_rows(buffer, mails)
    print("\n4. Old behaviour: the same folder polled afresh into an empty buffer (everything downloaded)")
    line(f"{stored} mails stored", cost, mails)
    print("   ratio resync / fresh download:       wall    cpu   server bytes")
    for label, step in (("new arrival times (3)", resync), ("same arrival times (2)", same_dates)):
        print(
            f"     {label:<32} {step.wall / cost.wall:6.2f} {step.cpu / cost.cpu:6.2f} "
            f"{step.sent / max(cost.sent, 1):8.2f}"
        )
    return cost


def sweep(log: ServerLog, stored: int, title: str):
    from mailboxes.polling.mail_files import remove_orphans

    with measured(log) as cost:
        report = remove_orphans(older_than=timedelta(0))
    print(f"   {title}")
    line(f"{stored} stored mails", cost, stored, imap=False)
    print(
        f"   {'':<28} removed: {report.folders} folders, {report.files} files, {report.temporaries} "
        f"temporaries, {report.bytes_freed / 1e6:.1f} MB; busy buffers {report.busy_buffers}"
    )
    return report


def plant_orphans(buffer, mails: list[bytes], count: int) -> int:
    """`count` mail folders no row points at (a poll killed before its commit), aged; their bytes."""
    from django.conf import settings

    base = Path(settings.MEDIA_ROOT) / f"tenants/{buffer.tenant_id}/mail/{buffer.pk}/999"
    moment, size = time.time() - ORPHAN_AGE, 0
    for uid in range(1, count + 1):
        folder = base / str(uid)
        folder.mkdir(parents=True)
        raw = mails[uid % len(mails)]
        (folder / "message.eml").write_bytes(raw)
        os.utime(folder / "message.eml", (moment, moment))
        os.utime(folder, (moment, moment))
        size += len(raw)
    os.utime(base, (moment, moment))
    return size


def step_sweep(log: ServerLog, buffer, mails: list[bytes]) -> None:
    from django.core.files.storage import default_storage

    from mailboxes.models import Message

    # all_tenants: the sweep serves every tenant; so does this count of what it judges.
    names = list(Message.all_tenants.values_list("raw", flat=True))
    print("\n5. Orphan sweep (remove_orphans(older_than=0))")
    report = sweep(log, len(names), "nothing to remove:")
    assert report.files == 0 and report.folders == 0, report
    planted = plant_orphans(buffer, mails, ORPHANS)
    report = sweep(log, len(names), f"with {ORPHANS} aged orphan folders ({planted / 1e6:.1f} MB):")
    assert report.files == ORPHANS and report.bytes_freed == planted, report
    assert report.folders == ORPHANS + 1, report  # and their numbering folder, left empty
    missing = sum(not default_storage.exists(name) for name in names)
    assert missing == 0, f"{missing} stored originals swept away"
    print(f"   {'':<28} stored originals still there: {len(names) - missing} of {len(names)}")


# -- running ---------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mails", type=int, default=1000, help="mails in the folder (default 1000)")
    return parser.parse_args()


def run_steps(server, user, count: int) -> None:
    print(f"Making {count} invoice mails (~{len(invoice(0)) // 1024} KB each) ...")
    mails = [invoice(n) for n in range(count)]
    first = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30)
    times = [first + timedelta(seconds=n) for n in range(count)]  # INTERNALDATE has whole seconds
    log, counts = ServerLog(server), ResyncCounts().install()

    buffer, _ = step_baseline(server, user, log, mails, times)
    same, matched = step_resync(
        server, user, log, buffer, counts, mails, times, "2. Resync: folder recreated, SAME arrival times"
    )
    assert matched == (count, 0), matched
    shifted = [moment + timedelta(days=1) for moment in times]
    title = "3. Resync: folder recreated, NEW arrival times (migration: every mail hashed)"
    new, matched = step_resync(server, user, log, buffer, counts, mails, shifted, title)
    assert matched == (0, count), matched
    step_fresh(server, user, log, count, new, same)
    step_sweep(log, buffer, mails)


def main() -> None:
    options = parse_args()
    started, load_before = time.perf_counter(), os.getloadavg()
    with bench_world() as (server, _, _):
        run_steps(server, server.add_user(), options.mails)
    print("\n6. Machine")
    print(f"   CPUs: {os.cpu_count()} (usable here: {len(os.sched_getaffinity(0))})")
    print("   load average (1, 5, 15 min): start {:.2f} {:.2f} {:.2f}".format(*load_before))
    print("                                end   {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"   whole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
