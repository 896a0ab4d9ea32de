"""Where stored mail lives: paths derived from the mail's server identity, written idempotently.

`tenants/<t>/mail/<buffer>/<uidvalidity>/<uid>/message.eml` and `.../<uid>/<n><ext>` for attachments.
A poll killed after writing files but before committing their rows rewrites the very same paths when it
runs again, so a crash leaves no duplicates; files of mail that vanished meanwhile are swept by
`remove_orphans`.
"""

import contextlib
import io
import os
import threading

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.utils import timezone

from intake.files import EXTENSIONS


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


def read(path: str, storage=default_storage) -> bytes:
    with storage.open(path, "rb") as handle:
        return handle.read()


def delete(path: str, storage=default_storage) -> None:
    storage.delete(path)


@contextlib.contextmanager
def open_for_writing(path: str, storage=default_storage):
    """A binary file to write `path` piece by piece; it appears whole, or not at all, when the block ends."""
    if is_local(storage):
        target = storage.path(path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        temporary = f"{target}.{os.getpid()}.{threading.get_ident()}.part"
        try:
            with open(temporary, "wb") as handle:
                yield handle
            os.replace(temporary, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(temporary)
    else:
        buffer = io.BytesIO()
        yield buffer
        write(path, buffer.getvalue(), storage)


def write(path: str, data: bytes, storage=default_storage) -> str:
    """Write `data` at exactly `path`, replacing what a crashed earlier attempt may have left there.

    On the local file system the write is atomic (temporary file, then rename): a reader never sees
    half a file. Other storages get Django's save.
    """
    if is_local(storage):
        with open_for_writing(path, storage) as handle:
            handle.write(data)
        return path
    if storage.exists(path):
        storage.delete(path)
    saved = storage.save(path, ContentFile(data))
    if saved != path:  # another writer raced us between delete and save; the poll lock prevents it
        storage.delete(saved)
        raise FileExistsError(path)
    return path


def remove_orphans(*, older_than, storage=default_storage) -> int:
    """Delete stored mail folders that no Message row references and that are older than `older_than`.

    Such folders come from a poll killed before its commit whose mail was then removed from the server.
    """
    from mailboxes.models import Message  # models import this module

    cutoff = timezone.now() - older_than
    removed = 0
    tenants, _ = storage.listdir("tenants") if storage.exists("tenants") else ([], [])
    for tenant in tenants:
        root = f"tenants/{tenant}/mail"
        if not storage.exists(root):
            continue
        for buffer in storage.listdir(root)[0]:
            for uidvalidity in storage.listdir(f"{root}/{buffer}")[0]:
                base = f"{root}/{buffer}/{uidvalidity}"
                uids = storage.listdir(base)[0]
                known = {
                    str(uid)
                    # all_tenants: the sweep walks every tenant's folder.
                    for uid in Message.all_tenants.filter(
                        buffer_id=int(buffer), uidvalidity=int(uidvalidity), uid__in=[int(u) for u in uids]
                    ).values_list("uid", flat=True)
                }
                for uid in set(uids) - known:
                    removed += _remove_if_old(storage, f"{base}/{uid}", cutoff)
    return removed


def _remove_if_old(storage, folder: str, cutoff) -> int:
    files = storage.listdir(folder)[1]
    if any(storage.get_modified_time(f"{folder}/{name}") > cutoff for name in files):
        return 0  # maybe a poll is writing it right now
    for name in files:
        storage.delete(f"{folder}/{name}")
    return 1
