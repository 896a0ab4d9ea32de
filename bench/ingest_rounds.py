"""Section 1 of bench/ingest.py: the raw IMAP limit and the portal's poll, side by side, per mail size.

For each size the same folder is fetched in interleaved rounds, raw, poll, raw, poll, ... (never a
best-of against a single run), after one untimed warm-up of each:
  raw:  imapclient BODY.PEEK[] over TLS in batches of 50, keeping nothing (this process);
  poll: the portal's poll of the same mails into a fresh, empty buffer (PostgreSQL).
Each round records wall time, client CPU (this process and its reaped children, i.e. the poll's forked
fetch workers: getrusage SELF + CHILDREN), server CPU (the bench's own Dovecot tree, from /proc/<pid>/stat
of every process in the Dovecot master's session, dead children included through cutime/cstime) and the
1-minute load average before the round. The summary gives medians of the rounds and medians of the
per-round ratios poll / raw.
"""

import os
import random
import resource
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from extract import invoice_mail  # bench/ is the script's folder, so on sys.path
from ingest import load, make_buffer, poll

RAW_BATCH = 50
BIG = 256 * 1024  # sizes above this get fewer mails by default
UNITS = {"k": 1024, "m": 1024 * 1024}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Size:
    label: str
    bytes: int
    mails: int


@dataclass(frozen=True)
class Sample:
    mode: str  # "raw" or "poll"
    mails: int
    wall: float
    client_cpu: float
    server_cpu: float
    load: float

    @property
    def rate(self) -> float:
        return self.mails / self.wall

    def client_ms(self) -> float:
        return self.client_cpu * 1000 / self.mails

    def server_ms(self) -> float:
        return self.server_cpu * 1000 / self.mails


def parse_sizes(text: str, mails: int) -> list[Size]:
    """ "10k,137k,2m" (optionally "2m:100" for a count of its own). Sizes above BIG default to
    max(200, mails // 5) mails, so a 2 MB round stays around 10-30 s and still forks the poll's workers."""
    sizes = []
    for item in filter(None, (part.strip().lower() for part in text.split(","))):
        label, _, count = item.partition(":")
        number, unit = (label[:-1], label[-1]) if label[-1] in UNITS else (label, "")
        size = int(float(number) * UNITS.get(unit, 1))
        default = mails if size <= BIG else max(200, mails // 5)
        sizes.append(Size(label, size, int(count) if count else default))
    return sizes


def mails_of_size(size: int, count: int, seed: int):
    """Invoice-like mails (relay headers, text + HTML, one base64 PDF) of about `size` bytes each."""
    rng = random.Random(seed)
    overhead = len(invoice_mail(0, random.Random(0), pdf_size=0))
    pdf_size = max(0, (size - overhead) * 3 // 4 * 76 // 78)
    for index in range(count):
        yield invoice_mail(index, rng, pdf_size=pdf_size)


# -- CPU accounting ---------------------------------------------------------------------------------------


def client_cpu() -> float:
    """CPU seconds of this process and of its children that have been waited for (the fetch workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def dovecot_master_pid(server) -> int:
    return int((server.directory / "run" / "master.pid").read_text().split()[0])


def server_cpu(session: int) -> float:
    """CPU seconds of every process in the Dovecot master's session; a child that ended is in its parent's
    cutime/cstime (Dovecot's master waits for its children), so the sum only grows."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # fields[0] is field 3 (state) of proc(5)
        if int(fields[3]) == session:
            ticks += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return ticks / CLOCK_TICKS


def measure(mode: str, run, session: int) -> Sample:
    load_before = os.getloadavg()[0]
    client, server, started = client_cpu(), server_cpu(session), time.perf_counter()
    mails = run()
    wall = time.perf_counter() - started
    return Sample(mode, mails, wall, client_cpu() - client, server_cpu(session) - server, load_before)


@contextmanager
def cpu_hog(enabled: bool):
    """A child process spinning on one core (the last one this process may use), for a busy machine."""
    if not enabled:
        yield None
        return
    core = max(os.sched_getaffinity(0))
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    os.sched_setaffinity(hog.pid, {core})
    try:
        yield core
    finally:
        hog.kill()
        hog.wait()


# -- the two contenders -----------------------------------------------------------------------------------


def raw_fetch(server, user, folder: str) -> int:
    with server.connect(user.login) as client:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        for i in range(0, len(uids), RAW_BATCH):
            client.fetch(uids[i : i + RAW_BATCH], ["BODY.PEEK[]"])
    return len(uids)


def portal_poll(server, user, folder: str, name: str):
    """A fresh buffer on `folder` (made now, outside the timing) and the poll to time."""
    buffer = make_buffer(server, user, folder, name)
    return lambda: poll(buffer).new_messages[buffer.pk]


def run_size(server, user, size: Size, rounds: int, session: int) -> list[Sample]:
    folder = f"Bench{size.label}"
    print(f"   {size.label}: loading {size.mails} mails of ~{size.bytes // 1024} KB ...", flush=True)
    load(server, user.login, folder, mails_of_size(size.bytes, size.mails, seed=size.bytes))
    raw_fetch(server, user, folder)  # warm-up, untimed: Dovecot's index and cache, the page cache
    portal_poll(server, user, folder, f"{folder}-warm")()  # warm-up: imports, libmagic, first queries
    samples = []
    for number in range(rounds):
        pair = [
            measure("raw", lambda: raw_fetch(server, user, folder), session),
            measure("poll", portal_poll(server, user, folder, f"{folder}-{number}"), session),
        ]
        for sample in pair:
            if sample.mails != size.mails:
                raise SystemExit(f"{sample.mode} got {sample.mails} of {size.mails} mails")
        raw, polled = pair
        print(
            f"      round {number + 1}: raw {raw.rate:7.0f}/s {raw.client_ms():6.2f} ms  "
            f"poll {polled.rate:7.0f}/s {polled.client_ms():6.2f} ms  (client CPU/mail)  "
            f"load {raw.load:.2f} / {polled.load:.2f}",
            flush=True,
        )
        samples += pair
    return samples


# -- the summary -------------------------------------------------------------------------------------------


def summary_row(size: Size, samples: list[Sample]) -> list[str]:
    raw = [s for s in samples if s.mode == "raw"]
    polls = [s for s in samples if s.mode == "poll"]
    median = statistics.median
    ratio = median(p.rate / r.rate for r, p in zip(raw, polls, strict=True))
    cpu_times = median(p.client_ms() / r.client_ms() for r, p in zip(raw, polls, strict=True))
    loads = [s.load for s in samples]
    return [
        size.label,
        str(size.mails),
        f"{median(s.rate for s in raw):.0f}",
        f"{median(s.rate for s in polls):.0f}",
        f"{ratio:.2f}",
        f"{median(s.client_ms() for s in raw):.2f} vs {median(s.client_ms() for s in polls):.2f} "
        f"({cpu_times:.2f}x)",
        f"{median(s.server_ms() for s in raw):.2f} vs {median(s.server_ms() for s in polls):.2f}",
        f"{min(loads):.2f}-{max(loads):.2f}",
    ]


HEADER = [
    "size",
    "mails",
    "raw mails/s",
    "poll mails/s",
    "ratio",
    "client CPU ms/mail raw vs poll (x raw)",
    "server CPU ms/mail raw vs poll",
    "load",
]


def print_table(rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in [HEADER, *rows]) for i in range(len(HEADER))]
    for row in [HEADER, ["-" * w for w in widths], *rows]:
        print("   " + " | ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))


def report_throughput(server, user, options, hog_core) -> None:
    """1. raw IMAP fetch vs the portal's poll of the same mails, interleaved rounds at every size."""
    busy = f"busy: a CPU hog spins on core {hog_core}" if hog_core is not None else "no CPU hog"
    print(
        f"\n1. Throughput (TLS, same folder, interleaved rounds raw/poll, median of {options.rounds}; "
        f"{os.cpu_count()} CPUs, {busy})"
    )
    session = dovecot_master_pid(server)
    sizes = parse_sizes(options.sizes, options.mails)
    rows = [summary_row(size, run_size(server, user, size, options.rounds, session)) for size in sizes]
    print("\n   Medians of the rounds; ratio = poll / raw throughput per round; load = 1-min load average")
    print("   before each round (min-max); client = this process + the poll's fetch children.")
    print_table(rows)
