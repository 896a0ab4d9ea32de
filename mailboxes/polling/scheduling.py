"""Which mailboxes beat should have polled now, and when a polled buffer is due again.

Beat ticks every TICK. A buffer is due `interval` after its last poll *started*, and a tick takes the
buffers due before the middle of the next gap, so each buffer is polled within TICK / 2 of its due time,
whatever the poll's length and wherever the due time falls between two ticks (a 30-second buffer used
to be polled every 60 seconds: due just after a tick, it waited for the next one).
"""

from datetime import datetime, timedelta

from django.db.models import Case, DateTimeField, Value, When
from django.utils import timezone

from mailboxes.models import Buffer

TICK = timedelta(seconds=10)  # beat's "poll-due-buffers" schedule in settings; costs one indexed query
EARLY = TICK / 2  # a buffer due within this is taken at this tick rather than waiting a whole tick
CLAIM_LEASE = timedelta(minutes=5)  # how far beat pushes a claimed buffer, so it is not enqueued twice


def poll_soon(buffers) -> int:
    """Poll these buffers at the next beat tick (an administrator's "poll now"); returns how many."""
    return buffers.update(next_poll_at=timezone.now())


def due_again(buffer: Buffer, started: datetime) -> datetime:
    """When a buffer whose poll started at `started` is due again: its interval after that start."""
    return started + buffer.interval


def all_due_again(buffers, started: datetime):
    """due_again of each of `buffers`, as the value of `next_poll_at` in one UPDATE of all of them."""
    due = {buffer.pk: due_again(buffer, started) for buffer in buffers}
    if len(set(due.values())) <= 1:
        return next(iter(due.values()), started)
    return Case(*(When(pk=pk, then=Value(at)) for pk, at in due.items()), output_field=DateTimeField())


def claim_due_mailboxes(now=None) -> list[int]:
    """Ids of mailboxes with a due buffer. Their due buffers are pushed `CLAIM_LEASE` ahead, so the next
    tick does not enqueue them again while their poll runs; the poll then sets their real next time.

    Both statements use the partial index on enabled buffers' `next_poll_at`.
    """
    now = now or timezone.now()
    # all_tenants: beat serves every tenant.
    due = Buffer.all_tenants.filter(enabled=True, next_poll_at__lte=now + EARLY)
    mailbox_ids = sorted(set(due.values_list("mailbox_id", flat=True)))
    if mailbox_ids:
        due.update(next_poll_at=now + CLAIM_LEASE)
    return mailbox_ids
