"""One worker per mailbox: the poll's lease, a claim on the mailbox row (intake.claims)."""

import time
from dataclasses import dataclass, field
from datetime import timedelta

from intake.claims import Claims
from mailboxes.models import Mailbox

LOCK_TTL = timedelta(minutes=10)
HEARTBEAT_SECONDS = 20.0

leases = Claims(Mailbox.all_tenants, ttl=LOCK_TTL, fields=("poll_lock_token", "poll_lock_expires_at"))


def acquire_lock(mailbox_id: int) -> str | None:
    return leases.take(mailbox_id)  # None: another worker holds a live lease and is polling right now


def release_lock(mailbox_id: int, token: str) -> None:
    leases.release(mailbox_id, token)


@dataclass
class Lease:
    """This poll's hold on its mailbox; every write of the poll happens inside `holding()`."""

    mailbox_id: int
    token: str
    renewed_at: float = field(default_factory=time.monotonic)

    def holding(self):
        self.renewed_at = time.monotonic()
        return leases.holding(self.mailbox_id, self.token)

    def keep_alive(self) -> None:
        """Renew the lease if a heartbeat is due; call it often from long loops (ClaimLost when lost)."""
        if time.monotonic() - self.renewed_at >= HEARTBEAT_SECONDS:
            with self.holding():
                pass
