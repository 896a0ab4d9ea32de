"""Spool files: where extraction decodes a large attachment (extract_mail's `spool`), in the mail's folder,
before the attachment gets its name (mailboxes.extract.streaming). Temporaries are named like
mail_files.open_for_writing's, so the sweep removes those of a process killed midway; their disk errors
are storage faults, which extraction lets through."""

import contextlib
import itertools
import os
import threading

from django.core.files.storage import default_storage

from intake import storage_faults
from mailboxes.polling import mail_files


class Spool:
    """Files extraction decodes large attachments into (extract_mail's `spool`): temporaries in `folder`,
    named like open_for_writing's, so the sweep removes those of a process killed midway. `adopt` gives
    one its final name; `discard` removes those not adopted."""

    passes = (storage_faults.StorageFault,)  # extraction lets these through: the disk's, not the mail's

    def __init__(self, folder: str, storage=default_storage):
        self.folder, self.storage = folder, storage
        self.opened: list[_SpoolFile] = []
        self._numbers = itertools.count(1)

    def __call__(self) -> "_SpoolFile":
        name = f"{self.folder}/spool{next(self._numbers)}.{os.getpid()}.{threading.get_ident()}.part"
        with storage_faults.converted():
            path = self.storage.path(name)
            handle = open(mail_files.create_descriptor(path), "wb", buffering=0)  # noqa: SIM115 - see finish
            spooled = _SpoolFile(name, path, handle)
        self.opened.append(spooled)
        return spooled

    def adopt(self, name: str, path: str) -> str:
        with storage_faults.converted():
            os.replace(self.storage.path(name), self.storage.path(path))
        return path

    def discard(self) -> None:
        for spooled in self.opened:
            spooled.discard()


class _SpoolFile:
    def __init__(self, name: str, path: str, handle):
        self.name, self.path, self._handle = name, path, handle

    def write(self, data) -> None:
        with storage_faults.converted():
            self._handle.write(data)

    def finish(self) -> str:
        with storage_faults.converted():
            self._handle.close()
        return self.name

    def discard(self) -> None:
        self._handle.close()
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.path)
