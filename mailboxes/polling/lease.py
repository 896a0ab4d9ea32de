"""One worker per mailbox: the poll's lease, a claim on the mailbox row (intake.claims).

The lease is short and kept alive by a heartbeat while the poll works, so a holder that dies on another
machine frees the mailbox within LOCK_TTL; one that dies on this machine is noticed at once (the lease
names its host and process). A poll that finds its lease taken stops at its next heartbeat or commit.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from intake.claims import Claims, Holder
from mailboxes.models import Mailbox

logger = logging.getLogger(__name__)

LOCK_TTL = timedelta(minutes=2)
HEARTBEAT_SECONDS = 20.0  # several heartbeats fit in LOCK_TTL: a slow database answer does not lose it

leases = Claims(
    Mailbox.all_tenants,  # all_tenants: a worker takes the lease knowing only the mailbox id
    ttl=LOCK_TTL,
    fields=("poll_lock_token", "poll_lock_expires_at"),
    holder_field="poll_lock_holder",
)


@dataclass(frozen=True)
class Locked:
    """Why a poll could not take the lease: who holds it, and until when at the latest."""

    holder: Holder | None
    until: object

    def __str__(self) -> str:
        who = self.holder.describe() if self.holder else "another worker"
        until = timezone.localtime(self.until).strftime("%Y-%m-%d %H:%M:%S") if self.until else "?"
        return f"locked by {who}, until {until} at the latest"


def acquire_lock(mailbox_id: int) -> str | Locked:
    """The lease's token; or Locked when a live worker holds it. A holder known dead is taken over."""
    token = leases.take(mailbox_id)
    if token is not None:
        return token
    current = leases.holder(mailbox_id)
    if current is None:  # released between the two queries
        return leases.take(mailbox_id) or Locked(None, None)
    held_token, holder, until = current
    if holder is not None and holder.is_dead():
        taken = leases.take_over(mailbox_id, held_token)
        if taken is not None:
            logger.warning("mailbox %s: lease of %s taken over, the process is gone", mailbox_id, holder)
            return taken
    return Locked(holder, until)


def release_lock(mailbox_id: int, token: str) -> None:
    leases.release(mailbox_id, token)


@dataclass
class Lease:
    """This poll's hold on its mailbox; every write of the poll happens inside `holding()`."""

    mailbox_id: int
    token: str
    renewed_at: float = field(default_factory=time.monotonic)  # at the latest when it was last renewed
    released: bool = False

    def holding(self):
        """A transaction in which the lease is certainly held (and renewed); ClaimLost if it is not."""
        self.renewed_at = time.monotonic()
        return leases.holding(self.mailbox_id, self.token)

    def keep_alive(self) -> None:
        """The heartbeat: renew the lease when one is due. Called from every wait and long loop of the
        poll; raises ClaimLost as soon as another worker has taken the mailbox."""
        if time.monotonic() - self.renewed_at >= HEARTBEAT_SECONDS:
            with self.holding():
                pass

    def surely_held(self) -> bool:
        """Renewed so recently that it cannot be expiring: no other worker can be taking it over now (a
        live holder's lease is taken only once it expired), so `still_held()` alone guards a write."""
        margin = min(HEARTBEAT_SECONDS, leases.ttl.total_seconds() / 2)
        return time.monotonic() - self.renewed_at < margin

    def still_held(self):
        """The condition of a write to other rows in one statement, without `holding()`'s transaction:
        only while this lease holds (see surely_held)."""
        return leases.still_held(self.mailbox_id, self.token)

    def release(self, *, where=None, **outcome) -> bool:
        """Give the lease up, writing `outcome` on the mailbox with it, only while it holds and the mailbox
        matches `where`; True if it was released (then the poll's end does not release it again)."""
        self.released = leases.release(self.mailbox_id, self.token, where=where, **outcome)
        return self.released
