"""A buffer is polled within its interval (+ half a beat tick), whatever the poll's length and wherever
its due time falls between two ticks: beat ticks at scheduling.TICK, a poll's next time is counted
from when it started, and a tick takes buffers due before the middle of the next gap."""

import itertools
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from mailboxes.models import Buffer
from mailboxes.polling import scheduling
from mailboxes.polling.poll import poll_mailbox
from tests.builders import invoice_mail


def _simulated_poll_starts(buffer, *, minutes: int, seed: int) -> list:
    """Beat ticks over `minutes` of simulated time; each claimed poll lasts 0-8 s and records its next
    time as the poll does (from its start). Returns the times the buffer's polls started."""
    rng = random.Random(seed)
    start = timezone.now().replace(microsecond=0) + timedelta(seconds=rng.uniform(0, 10))
    Buffer.all_tenants.filter(pk=buffer.pk).update(next_poll_at=start)
    starts, tick = [], start - scheduling.TICK
    while tick < start + timedelta(minutes=minutes):
        tick += scheduling.TICK
        if scheduling.claim_due_mailboxes(now=tick):
            started = tick + timedelta(seconds=rng.uniform(0, 1))  # the worker picks it up
            starts.append(started)
            buffer.refresh_from_db()
            Buffer.all_tenants.filter(pk=buffer.pk).update(next_poll_at=scheduling.due_again(buffer, started))
    return starts


@pytest.mark.parametrize("interval", [30, 45, 120])
def test_a_buffer_is_polled_within_its_interval_plus_half_a_tick(world_a, make_mailbox, interval):
    mailbox = make_mailbox(port=1)
    buffer = Buffer.all_tenants.create(
        tenant=world_a.tenant, name="timed", mailbox=mailbox, poll_interval_seconds=interval
    )
    starts = _simulated_poll_starts(buffer, minutes=20, seed=interval)
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(starts)]
    slack = scheduling.EARLY.total_seconds() + 1  # + the simulated pick-up delay
    assert len(starts) >= 20 * 60 // (interval + slack)
    assert all(interval - slack <= gap <= interval + slack for gap in gaps), gaps


def test_the_poll_counts_the_next_time_from_its_start(world_a, make_mailbox, dovecot, imap_user):
    dovecot.append(imap_user.login, "INBOX", invoice_mail(1))
    mailbox = make_mailbox(port=dovecot.imaps_port, login=imap_user.login, password=imap_user.password)
    buffer = Buffer.all_tenants.create(
        tenant=world_a.tenant, name="next", mailbox=mailbox, poll_interval_seconds=30
    )
    before = timezone.now()
    assert poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk]).new_messages == {buffer.pk: 1}
    buffer.refresh_from_db()
    assert (
        before + timedelta(seconds=30) <= buffer.next_poll_at <= buffer.last_polled_at + timedelta(seconds=30)
    )
