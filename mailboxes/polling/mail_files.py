"""Where stored mail lives: paths derived from the mail's server identity, written idempotently.

`tenants/<t>/mail/<buffer>/<numbering>/<uid>/message.eml` and `.../<uid>/<n><ext>` for attachments. A
poll killed after writing files but before committing their rows rewrites the very same paths when it
runs again, so a crash leaves no duplicates. Rows keep the paths their files were written at, whatever
their UIDs become later (a renumbered folder), so what is stored is judged by the paths rows point at:
`remove_orphans` sweeps folders no row points into, and temporaries of writes killed midway.
"""

import contextlib
import hashlib
import io
import logging
import mmap
import os
import posixpath
import re
import threading
import time
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage

from intake import storage_faults
from intake.claims import ClaimLost
from intake.files import EXTENSIONS
from mailboxes.models import Attachment, Buffer, Message
from mailboxes.polling import lease

logger = logging.getLogger(__name__)

# The temporary name open_for_writing gives a file until it is whole: "<target>.<pid>.<thread>.part".
_TEMPORARY = re.compile(r"\.\d+\.\d+\.part\Z")


def mail_folder(tenant_id: int, buffer_id: int, uidvalidity: int, uid: int, resyncs: int = 0) -> str:
    """Where a new mail's files go. Each numbering of the folder (the buffer's count of UIDVALIDITY
    changes) has a folder of its own, so a server reusing an old UIDVALIDITY never writes over files of
    mails re-pointed since; stored rows keep the paths they were written at, whatever their UIDs become."""
    numbering = f"{int(uidvalidity)}" if not resyncs else f"{int(uidvalidity)}.{int(resyncs)}"
    return f"tenants/{int(tenant_id)}/mail/{int(buffer_id)}/{numbering}/{int(uid)}"


def raw_path(folder: str) -> str:
    return f"{folder}/message.eml"


def attachment_path(folder: str, position: int, content_type: str) -> str:
    return f"{folder}/{int(position)}{EXTENSIONS.get(content_type, '')}"


def is_local(storage=default_storage) -> bool:
    return isinstance(storage, FileSystemStorage) or isinstance(
        getattr(storage, "_wrapped", None), FileSystemStorage
    )


# Every operation here is the portal's own storage: an OSError it raises (a full disk, a read-only mount)
# becomes a StorageFault, so no caller mistakes it for the mail server's (intake.storage_faults).


def read(path: str, storage=default_storage) -> bytes:
    with storage_faults.converted(), storage.open(path, "rb") as handle:
        return handle.read()


def sha256_of(path: str, storage=default_storage, chunk: int = 1024 * 1024) -> str:
    """The sha256 of a stored file, read a chunk at a time. A missing file stays FileNotFoundError."""
    digest = hashlib.sha256()
    with storage.open(path, "rb") as handle, storage_faults.converted():
        while piece := handle.read(chunk):
            digest.update(piece)
    return digest.hexdigest()


@contextlib.contextmanager
def mapped(path: str, storage=default_storage):
    """A stored file as read-only memory (local storage), else its bytes: a large mail's raw file read
    without holding it all in memory (its pages come and go as extraction reads them)."""
    if not is_local(storage):
        yield read(path, storage)
        return
    with storage_faults.converted(), open(storage.path(path), "rb") as handle:
        empty = not os.fstat(handle.fileno()).st_size  # (a file of no bytes cannot be mapped)
        memory = b"" if empty else mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        yield memory
    finally:
        if not empty:
            with contextlib.suppress(BufferError):  # a view still held: it goes with its last reference
                memory.close()


def delete(path: str, storage=default_storage) -> None:
    with storage_faults.converted():
        storage.delete(path)


class _StorageFile:
    """The file being written: its write errors are the storage's, whatever the caller does meanwhile
    (a chunked fetch writes as it reads from the server, and the server's errors stay the server's)."""

    def __init__(self, handle):
        self._handle = handle

    def write(self, data) -> int:
        with storage_faults.converted():
            return self._handle.write(data)

    def flush(self) -> None:
        with storage_faults.converted():
            self._handle.flush()


@contextlib.contextmanager
def open_for_writing(path: str, storage=default_storage):
    """A binary file to write `path` piece by piece; it appears whole, or not at all, when the block ends.
    A process killed meanwhile leaves its temporary behind: `remove_orphans` sweeps those once stale."""
    if is_local(storage):
        target = storage.path(path)
        temporary = _temporary(target)
        renamed = False
        try:
            with storage_faults.converted():
                handle = _create(temporary)
            with handle:
                yield _StorageFile(handle)
            with storage_faults.converted():
                os.replace(temporary, target)
            renamed = True
        finally:
            if not renamed:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(temporary)
    else:
        buffer = io.BytesIO()
        yield buffer
        write(path, buffer.getvalue(), storage)


def _temporary(target: str) -> str:
    return f"{target}.{os.getpid()}.{threading.get_ident()}.part"


def _create(name: str):
    """A new file, with its folders; made again if the sweep removed them, left empty, in between."""
    return open(create_descriptor(name), "wb")


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def create_descriptor(name: str) -> int:
    """The descriptor of a new (or emptied) file; its folders are made when missing (not looked for
    first: a mail's second file finds its folder there), and again if the sweep removed them, left
    empty, in between."""
    for attempt in range(3):
        try:
            return os.open(name, _CREATE, 0o666)
        except FileNotFoundError:
            if attempt == 2:
                raise
            os.makedirs(os.path.dirname(name), exist_ok=True)
    raise AssertionError("unreachable")


def _write_local(target: str, data) -> None:
    """`data` at `target`, whole or not at all: a temporary written with plain system calls (no file
    object, no buffer), then renamed; the temporary is removed only when something failed."""
    temporary = _temporary(target)
    try:
        descriptor = create_descriptor(temporary)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
        finally:
            os.close(descriptor)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise


def write(path: str, data: bytes, storage=default_storage) -> str:
    """Write `data` at exactly `path`, replacing what a crashed earlier attempt may have left there.

    On the local file system the write is atomic (temporary file, then rename): a reader never sees
    half a file. Other storages get Django's save.
    """
    if is_local(storage):
        with storage_faults.converted():
            _write_local(storage.path(path), data)
        return path
    with storage_faults.converted():
        if storage.exists(path):
            storage.delete(path)
        saved = storage.save(path, ContentFile(data))
    if saved != path:  # another writer raced us between delete and save; the poll lock prevents it
        delete(saved, storage)
        raise FileExistsError(path)
    return path


# -- the sweep -------------------------------------------------------------------------------------------


@dataclass
class SweepReport:
    """What one sweep removed (a sweep right after it reports zeros)."""

    folders: int = 0  # directories removed: mails' folders, and numbering and buffer folders left empty
    files: int = 0  # files of mail folders no row points into
    temporaries: int = 0  # stale "*.part" files of writes killed midway
    bytes_freed: int = 0
    busy_buffers: int = 0  # being polled right now: swept next time


def remove_orphans(*, older_than, storage=default_storage) -> SweepReport:
    """Delete what no row points at, once older than `older_than`: mail folders that hold no Message's
    raw file and no Attachment's file (a poll or an import killed before its commit, a buffer deleted),
    and temporaries of writes killed midway anywhere under `tenants/`.

    Decided from the rows, never from folder names: a row keeps the path its files were written at
    whatever its UIDs become. A referenced folder is never removed, and of what it holds only stale
    temporaries go. A buffer is judged while its mailbox's poll lease is held, so no poll writes files
    or commits rows meanwhile; a buffer being polled is left for the next sweep.
    """
    sweep = _Sweep(storage, time.time() - older_than.total_seconds())
    for tenant in _subfolders(storage, "tenants"):
        for top in _subfolders(storage, f"tenants/{tenant}"):
            path = f"tenants/{tenant}/{top}"
            if top != "mail":
                sweep.temporaries_below(path)
                continue
            for buffer in _subfolders(storage, path):
                sweep.buffer(f"{path}/{buffer}", buffer)
    logger.info("mail files swept: %s", sweep.report)
    return sweep.report


def _subfolders(storage, path: str) -> list[str]:
    return storage.listdir(path)[0] if storage.exists(path) else []


def _referenced_folders(buffer_id: int) -> set[str]:
    """The folders the buffer's rows keep files in (one string per row: 100,000 rows are a few MB)."""
    # all_tenants: the sweep serves every tenant; a buffer's folders are judged by that buffer's rows.
    raws = Message.all_tenants.filter(buffer_id=buffer_id).values_list("raw", flat=True)
    # all_tenants: as above, the attachments of that buffer's rows.
    files = Attachment.all_tenants.filter(message__buffer_id=buffer_id).values_list("file", flat=True)
    return {posixpath.dirname(name) for rows in (raws, files) for name in rows.iterator(chunk_size=2000)}


class _NoLease:
    def keep_alive(self) -> None:
        pass


@contextlib.contextmanager
def _buffer_quiet(buffer_id: int):
    """Hold the poll lease of the buffer's mailbox while its folders are judged; None while it is polled."""
    # all_tenants: the sweep serves every tenant.
    mailbox_id = Buffer.all_tenants.filter(pk=buffer_id).values_list("mailbox_id", flat=True).first()
    if mailbox_id is None:  # the buffer is gone and its rows with it: nothing writes here any more
        yield _NoLease()
        return
    token = lease.acquire_lock(mailbox_id)
    if not isinstance(token, str):  # a poll holds it
        yield None
        return
    try:
        yield lease.Lease(mailbox_id, token)
    finally:
        lease.release_lock(mailbox_id, token)


class _Sweep:
    def __init__(self, storage, cutoff: float):
        self.storage = storage
        self.cutoff = cutoff  # a POSIX time: what was modified before it is stale
        self.local = is_local(storage)
        self.report = SweepReport()

    def buffer(self, path: str, name: str) -> None:
        if not name.isdigit():  # not a buffer's folder: only temporaries are ours to judge there
            self.temporaries_below(path)
            return
        with _buffer_quiet(int(name)) as held:
            if held is None:
                self.report.busy_buffers += 1
                return
            try:
                referenced = _referenced_folders(int(name))
                for numbering in _subfolders(self.storage, path):
                    self.numbering(f"{path}/{numbering}", referenced, held)
            except ClaimLost:  # a poll took the mailbox over: stop judging its folders at once
                self.report.busy_buffers += 1
                return
            self.remove_folder(path)

    def numbering(self, path: str, referenced: set[str], held) -> None:
        for uid in _subfolders(self.storage, path):
            folder = f"{path}/{uid}"
            if folder in referenced:
                self.temporaries(folder, self.storage.listdir(folder)[1])
            else:
                self.unreferenced(folder)
            held.keep_alive()
        self.remove_folder(path)

    def unreferenced(self, folder: str) -> None:
        subfolders, names = self.storage.listdir(folder)
        files = [(name, self.stat(f"{folder}/{name}")) for name in names]
        if subfolders or any(stat is None or stat[0] >= self.cutoff for _, stat in files):
            self.temporaries(folder, names)  # in use, or not of our making: only stale temporaries go
            return
        for name, (_, size) in files:
            self.delete(f"{folder}/{name}", size, temporary=bool(_TEMPORARY.search(name)))
        if self.local:
            self.remove_folder(folder)
        elif files:  # other storages have no folders: it is gone with its last file
            self.report.folders += 1

    def temporaries(self, folder: str, names: list[str]) -> None:
        for name in names:
            if _TEMPORARY.search(name):
                stat = self.stat(f"{folder}/{name}")
                if stat is not None and stat[0] < self.cutoff:
                    self.delete(f"{folder}/{name}", stat[1], temporary=True)

    def temporaries_below(self, path: str) -> None:
        subfolders, names = self.storage.listdir(path)
        self.temporaries(path, names)
        for name in subfolders:
            self.temporaries_below(f"{path}/{name}")

    def stat(self, name: str) -> tuple[float, int] | None:
        """(modified, size) of a file; None when it is gone already."""
        try:
            if self.local:
                found = os.stat(self.storage.path(name))
                return found.st_mtime, found.st_size
            return self.storage.get_modified_time(name).timestamp(), self.storage.size(name)
        except FileNotFoundError:
            return None

    def delete(self, name: str, size: int, *, temporary: bool) -> None:
        self.storage.delete(name)
        if temporary:
            self.report.temporaries += 1
        else:
            self.report.files += 1
        self.report.bytes_freed += size

    def remove_folder(self, path: str) -> None:
        """Remove an empty folder (local storage; other storages have none); one in use stays."""
        if not self.local:
            return
        try:
            os.rmdir(self.storage.path(path))
        except OSError:  # not empty (kept files, or a writer just made it): it stays
            return
        self.report.folders += 1
