"""Fetching and preparing a buffer's new mail, batch by batch: raw bytes and attachments are written
where they will live, and the poll gets the prepared rows to commit.

Fetching (network, TLS, IMAP parsing) and preparing (MIME parsing, hashing, files) together cost more
than a core, and Python threads share one. So for a large backlog on local storage WORKERS forked
processes, each with its own IMAP session, take alternate batches and the poll commits their results
in UID order; small polls, and storages other than the local file system, use one thread. Memory stays
bounded: a batch at a time per worker, and a mail larger than LARGE_MAIL is fetched in chunks straight
to its file.
"""

import contextlib
import ctypes
import hashlib
import os
import pickle
import queue
import select
import signal
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy

from intake import reasons
from intake.storage_faults import StorageFault
from mailboxes.polling import mail_files
from mailboxes.polling.ingest import IncomingMail, PreparedMail, prepare
from mailboxes.protocols import errors, imap
from mailboxes.protocols.errors import MailConnectionError, ProtocolFailure
from mailboxes.protocols.settings import ServerSettings

FORK_THRESHOLD = 200  # fewer mails than this are not worth starting processes
WORKERS = 2
LARGE_MAIL = 16 * 1024 * 1024
CHUNK = 8 * 1024 * 1024
RENUMBERED_DURING_POLL = reasons.define(
    "mail.renumbered_during_poll", gettext_lazy("The folder was renumbered on the server during the poll.")
)
WAIT_SECONDS = 1.0  # how often a waiting poll gives its lease a heartbeat


@dataclass(frozen=True)
class RawRef:
    uid: int
    internaldate: datetime | None
    size: int
    path: str
    sha256: str  # of the bytes written, computed as they came


@dataclass(frozen=True)
class Job:
    """What to fetch: the folder, its UIDVALIDITY, and batches of (uid, size, fingerprint)."""

    tenant_id: int
    buffer_id: int
    folder: str
    uidvalidity: int
    batches: list[list[tuple[int, int, str]]]
    resyncs: int = 0  # the buffer's numbering, part of where files go (mail_files.mail_folder)

    def directory(self, uid: int) -> str:
        return mail_files.mail_folder(self.tenant_id, self.buffer_id, self.uidvalidity, uid, self.resyncs)


def _no_heartbeat() -> None:
    pass


def fetch_and_prepare(
    server: ServerSettings, client, job: Job, keep_alive=_no_heartbeat
) -> Iterator[list[PreparedMail]]:
    """Yield each batch's prepared mails, in UID order, while later batches are fetched and prepared.

    While it waits for a batch, `keep_alive()` is called every WAIT_SECONDS (the poll's lease
    heartbeat); what it raises stops the fetching at once.
    """
    total = sum(len(batch) for batch in job.batches)
    if total >= FORK_THRESHOLD and mail_files.is_local(default_storage) and hasattr(os, "fork"):
        return _in_child_processes(server, job, keep_alive)
    return _in_thread(client, job, keep_alive)


# -- the work itself, the same in a thread or a child process ----------------------------------------------


def _prepare_batch(client, job: Job, batch: list[tuple[int, int, str]]) -> list[PreparedMail]:
    fingerprints = {uid: fingerprint for uid, _, fingerprint in batch}
    prepared = []
    small = [uid for uid, size, _ in batch if size <= LARGE_MAIL]
    for fetched in imap.fetch_mails(client, small) if small else []:
        mail = IncomingMail(
            job.uidvalidity,
            fetched.uid,
            fetched.raw,
            fetched.internaldate,
            fetched.size,
            fingerprints[fetched.uid],
        )
        prepared.append(_prepare(job, mail, raw_stored=False))
    for uid, size, fingerprint in batch:
        if size > LARGE_MAIL:
            ref = _fetch_large(client, job, uid, size)
            if ref is not None:
                # Mapped, not read: extraction's pages come and go, a large file is decoded to its file.
                with mail_files.mapped(ref.path) as raw:
                    mail = IncomingMail(
                        job.uidvalidity, uid, raw, ref.internaldate, size, fingerprint, ref.sha256
                    )
                    prepared.append(_prepare(job, mail, raw_stored=True))
                    del mail, raw  # the large mail's bytes go before the next one comes
    return sorted(prepared, key=lambda p: p.uid)


def _prepare(job: Job, mail: IncomingMail, *, raw_stored: bool) -> PreparedMail:
    return prepare(
        tenant_id=job.tenant_id,
        buffer_id=job.buffer_id,
        folder=job.folder,
        mail=mail,
        raw_stored=raw_stored,
        directory=job.directory(mail.uid),
    )


def _fetch_large(client, job: Job, uid: int, size: int) -> RawRef | None:
    path = mail_files.raw_path(job.directory(uid))
    digest = hashlib.sha256()

    def write(piece: bytes) -> None:
        digest.update(piece)
        handle.write(piece)

    with mail_files.open_for_writing(path) as handle:
        internaldate = imap.fetch_in_chunks(client, uid, size, CHUNK, write)
    if internaldate is False:  # vanished meanwhile
        mail_files.delete(path)
        return None
    return RawRef(uid, internaldate, size, path, digest.hexdigest())


# -- thread -----------------------------------------------------------------------------------------------

_DONE = object()


def _in_thread(client, job: Job, keep_alive) -> Iterator[list[PreparedMail]]:
    ready: queue.Queue = queue.Queue(maxsize=1)  # one batch ahead: memory bounded by two batches
    stop = threading.Event()

    def run():
        try:
            for batch in job.batches:
                if stop.is_set():
                    return
                ready.put(_prepare_batch(client, job, batch))
            ready.put(_DONE)
        except BaseException as error:  # handed to the consumer, which re-raises it
            ready.put(error)

    worker = threading.Thread(target=run, name="imap-fetch", daemon=True)
    worker.start()
    completed = False
    try:
        while (item := _next_ready(ready, keep_alive)) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
        completed = True
    finally:
        stop.set()
        worker.join(0.2)
        if not completed and worker.is_alive() and not ready.full():
            # Stopped early (the lease lost, an error) while the producer may be inside a slow read:
            # end the session under it rather than wait for a trickling server. The poll is over.
            _break_session(client)
        while worker.is_alive():  # unblock a producer waiting on the full queue, then let it end
            with contextlib.suppress(queue.Empty):
                ready.get_nowait()
            worker.join(0.05)


def _next_ready(ready: queue.Queue, keep_alive):
    while True:
        try:
            return ready.get(timeout=WAIT_SECONDS)
        except queue.Empty:
            keep_alive()


def _break_session(client) -> None:
    with contextlib.suppress(Exception):
        client.socket().shutdown(socket.SHUT_RDWR)


# -- child process ------------------------------------------------------------------------------------------


def _send(fd: int, message) -> None:
    data = pickle.dumps(message)
    os.write(fd, struct.pack("!I", len(data)))
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exactly(fd: int, length: int, keep_alive) -> bytes:
    """`length` bytes from the pipe; heartbeats while none come, EOFError if the writer is gone."""
    parts, missing = [], length
    while missing:
        if not select.select([fd], [], [], WAIT_SECONDS)[0]:
            keep_alive()
            continue
        part = os.read(fd, min(missing, 1 << 20))
        if not part:
            raise EOFError
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


def _receive(fd: int, keep_alive=_no_heartbeat):
    (length,) = struct.unpack("!I", _read_exactly(fd, 4, keep_alive))
    return pickle.loads(_read_exactly(fd, length, keep_alive))  # noqa: S301 - our own child, a private pipe


def _child(server: ServerSettings, job: Job, worker: int, fd: int) -> None:
    """Runs in a forked process: its own IMAP session; never touches the parent's database connection."""
    try:
        with imap.session(server) as client, imap.translated_errors(server):
            status = imap.open_folder(client, job.folder)
            if status.uidvalidity != job.uidvalidity:
                raise ProtocolFailure(RENUMBERED_DURING_POLL)
            for batch in job.batches[worker::WORKERS]:
                _send(fd, ("batch", _prepare_batch(client, job, batch)))
        _send(fd, ("done",))
    except MailConnectionError as error:
        _send(fd, ("error", type(error).__name__, error.code, error.message, error.detail))
    except StorageFault as fault:  # the disk's fault, not the server's: the parent says so
        _send(fd, ("storage", fault.errno, fault.detail))
    except BaseException as error:  # reported to the parent, which records it
        _send(fd, ("error", "FetchingInterrupted", "", "", f"{type(error).__name__}"))


def _start_worker(server: ServerSettings, job: Job, worker: int) -> tuple[int, int]:
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: do the work and leave without running the parent's cleanup handlers
        code = 0
        try:
            os.close(read_fd)
            _die_with_parent()
            if os.getppid() == parent:  # not killed before the line above could take effect
                _child(server, job, worker, write_fd)
        except BaseException:  # nothing more can be reported; the parent sees EOF
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)
    return pid, read_fd


def _die_with_parent() -> None:
    """A poll killed with SIGKILL takes its fetchers with it (Linux), instead of leaving them fetching."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


_PR_SET_PDEATHSIG = 1


def _next_message(fd: int, keep_alive=_no_heartbeat):
    try:
        message = _receive(fd, keep_alive)
    except EOFError:
        raise errors.FetchingInterrupted() from None
    if message[0] == "storage":
        raise StorageFault(message[1], message[2])
    if message[0] == "error":
        _, name, code, text, detail = message
        # The code travels, so the parent stores the reason the child met (text: an uncoded one's words).
        raise getattr(errors, name, ProtocolFailure)(reasons.kind_of(code) or text or None, detail=detail)
    return message


def _in_child_processes(server: ServerSettings, job: Job, keep_alive) -> Iterator[list[PreparedMail]]:
    workers = [_start_worker(server, job, worker) for worker in range(WORKERS)]
    fds = [fd for _, fd in workers]
    try:
        # Batch i comes from worker i % WORKERS: reading the pipes in that order restores UID order.
        for index in range(len(job.batches)):
            yield _next_message(fds[index % WORKERS], keep_alive)[1]
        for fd in fds:
            _next_message(fd, keep_alive)  # "done"
    finally:
        for pid, _ in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)  # a worker still running means the poll stopped early
        for fd in fds:
            os.close(fd)
        for pid, _ in workers:
            os.waitpid(pid, 0)
