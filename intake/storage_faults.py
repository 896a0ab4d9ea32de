"""Faults of the portal's own storage (a full disk, a read-only mount): told apart from mail server
faults, so they are shown as what they are and nobody blames the mailbox for them."""

import contextlib
import errno

from django.utils.translation import gettext_lazy as _

FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}


class StorageFault(Exception):
    """Writing or reading the portal's storage failed. Deliberately not an OSError: code that turns
    socket errors (OSError) into mail server errors must let this one through."""

    def __init__(self, code: int | None, detail: str = ""):
        super().__init__(code, detail)
        self.errno = code
        self.detail = detail

    @property
    def message(self) -> str:
        if self.errno in FULL:
            return str(_("The portal's storage is full: new mail waits on the server until space is freed."))
        if self.errno in NOT_WRITABLE:
            return str(_("The portal's storage is not writable: new mail waits on the server until it is."))
        return str(_("The portal could not write to its storage: new mail waits on the server."))

    def __str__(self) -> str:
        return self.message


@contextlib.contextmanager
def converted():
    """Inside: a storage operation, no network. An OSError it raises becomes a StorageFault; a missing
    file stays FileNotFoundError (not a fault of the storage: callers decide what a missing file means)."""
    try:
        yield
    except FileNotFoundError:
        raise
    except OSError as error:
        raise StorageFault(error.errno, error.strerror or type(error).__name__) from error
