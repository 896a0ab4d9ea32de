"""Which mailboxes beat should have polled now."""

from django.utils import timezone

from mailboxes.models import Buffer
from mailboxes.polling.poll import CLAIM_LEASE


def poll_soon(buffers) -> int:
    """Poll these buffers at the next beat tick (an administrator's "poll now"); returns how many."""
    return buffers.update(next_poll_at=timezone.now())


def claim_due_mailboxes(now=None) -> list[int]:
    """Ids of mailboxes with a due buffer. Their due buffers are pushed `CLAIM_LEASE` ahead, so the next
    tick does not enqueue them again while their poll runs; the poll then sets their real next time.

    Both statements use the partial index on enabled buffers' `next_poll_at`.
    """
    now = now or timezone.now()
    due = Buffer.all_tenants.filter(enabled=True, next_poll_at__lte=now)  # beat serves every tenant
    mailbox_ids = sorted(set(due.values_list("mailbox_id", flat=True)))
    if mailbox_ids:
        due.update(next_poll_at=now + CLAIM_LEASE)
    return mailbox_ids
