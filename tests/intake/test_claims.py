"""The one claim idiom (intake.claims) and its three users: a worker whose claim expired and was taken
by another can neither renew it, nor release it, nor overwrite the new holder's outcome."""

from datetime import timedelta

import pytest
from django.utils import timezone

from acd_points import follow_up
from acd_points.models import PendingWork
from intake.claims import ClaimLost, Claims, backoff
from mailboxes.models import Buffer, Mailbox, Message, Notification
from mailboxes.notifications import outbox
from mailboxes.polling import fetching
from mailboxes.polling import poll as polling
from tests.builders import append_many, invoice_mail, make_local_mailbox, queue

pytestmark = pytest.mark.django_db

PAST = timedelta(seconds=1)


def expire(model, pk, field="claimed_until"):
    model.all_tenants.filter(pk=pk).update(**{field: timezone.now() - PAST})


def test_backoff_doubles_from_the_first_wait_up_to_the_limit():
    first, limit = timedelta(minutes=1), timedelta(minutes=10)
    waits = [backoff(n, first=first, limit=limit) for n in range(1, 7)]
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 10, 10)]
    assert backoff(10_000, first=first, limit=limit) == limit  # no overflow on absurd counts


def test_a_live_claim_is_not_taken_twice_and_an_expired_one_is(world_a):
    claims = Claims(Notification.all_tenants, ttl=timedelta(minutes=5))
    row = queue(world_a)
    first = claims.take(row.pk)
    assert first and claims.take(row.pk) is None
    expire(Notification, row.pk)
    second = claims.take(row.pk)
    assert second and second != first


def test_the_old_holder_cannot_renew_release_or_record_once_the_claim_was_taken(world_a):
    claims = Claims(Notification.all_tenants, ttl=timedelta(minutes=5))
    row = queue(world_a)
    old = claims.take(row.pk)
    expire(Notification, row.pk)
    new = claims.take(row.pk)
    assert not claims.renew(row.pk, old)
    assert not claims.record(row.pk, old, reason="old holder")
    assert not claims.release(row.pk, old, reason="old holder")
    with pytest.raises(ClaimLost), claims.holding(row.pk, old):
        pytest.fail("the body must not run without the claim")
    row.refresh_from_db()
    assert (row.claim_token, row.reason) == (new, "")
    assert claims.release(row.pk, new, reason="new holder")
    row.refresh_from_db()
    assert (row.claim_token, row.claimed_until, row.reason) == ("", None, "new holder")


def test_take_many_gives_each_row_to_one_worker(world_a):
    claims = Claims(PendingWork.all_tenants, ttl=timedelta(minutes=5))
    rows = PendingWork.all_tenants.bulk_create(
        [
            PendingWork(tenant=world_a.tenant, kind=PendingWork.Kind.COPY_FILE, folder=f"f{n}")
            for n in range(3)
        ]
    )
    everything = PendingWork.all_tenants.filter(pk__in=[r.pk for r in rows])
    first = claims.take_many(everything, limit=2)
    second = claims.take_many(everything, limit=5)
    assert claims.held(first).count() == 2 and claims.held(second).count() == 1


# -- the outbox ---------------------------------------------------------------------------------------


def test_an_outbox_sender_whose_claim_was_taken_over_cannot_overwrite_the_outcome(world_a):
    row = queue(world_a)
    old = outbox.claim(row.pk)
    expire(Notification, row.pk)
    new = outbox.claim(row.pk)
    assert new and new != old
    assert not outbox.mark_sent(row.pk, old)
    outbox.retry_later(row.pk, old, "old holder's failure")
    assert not outbox.cancel(row.pk, old, "old holder")
    row.refresh_from_db()
    assert (row.state, row.claim_token, row.reason) == (Notification.State.SENDING, new, "")
    assert outbox.mark_sent(row.pk, new)
    row.refresh_from_db()
    assert row.state == Notification.State.SENT


# -- follow-up work -----------------------------------------------------------------------------------


def test_follow_up_work_whose_claim_was_taken_over_cannot_overwrite_the_outcome(world_a):
    item = PendingWork.all_tenants.create(tenant=world_a.tenant, kind=PendingWork.Kind.COPY_FILE, folder="x")
    due = PendingWork.all_tenants.filter(pk=item.pk)
    old = follow_up.claims.take_many(due, limit=1)
    expire(PendingWork, item.pk)
    new = follow_up.claims.take_many(due, limit=1)
    assert follow_up.claims.held(new).exists()
    assert not follow_up._succeeded(item, old)
    assert not follow_up._failed(item, old, "old holder's failure")
    item.refresh_from_db()
    assert (item.state, item.attempts, item.last_error) == (PendingWork.State.PENDING, 0, "")
    assert follow_up._failed(item, new, "the new holder's failure")
    item.refresh_from_db()
    assert (item.state, item.attempts, item.claim_token) == (PendingWork.State.FAILED, 1, "")
    assert item.next_attempt_at > timezone.now() + timedelta(seconds=50)  # the first backoff: a minute


# -- the poll lease -----------------------------------------------------------------------------------


def test_a_poll_that_lost_its_lease_stores_and_records_nothing(
    monkeypatch, world_a, ca_pem, dovecot, imap_user
):
    mailbox = make_local_mailbox(
        world_a.tenant,
        port=dovecot.imaps_port,
        login=imap_user.login,
        password=imap_user.password,
        trusted_certificate=ca_pem,
    )
    buffer = Buffer.all_tenants.create(tenant=world_a.tenant, name="Leased", mailbox=mailbox)
    append_many(dovecot, imap_user.login, "INBOX", [invoice_mail(n) for n in range(3)])
    taken_over = {}
    fetch = fetching.fetch_and_prepare

    def slow_fetch(*args):
        for prepared in fetch(*args):
            # This batch took longer than the lease: it expired, and another worker took the mailbox.
            expire(Mailbox, mailbox.pk, "poll_lock_expires_at")
            taken_over["token"] = polling.acquire_lock(mailbox.pk)
            yield prepared

    monkeypatch.setattr(fetching, "fetch_and_prepare", slow_fetch)
    result = polling.poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk])
    assert result.error == polling.LEASE_LOST
    assert not Message.all_tenants.filter(buffer=buffer).exists()
    buffer.refresh_from_db()
    mailbox.refresh_from_db()
    assert (buffer.last_uid, buffer.last_polled_at, buffer.last_error) == (0, None, "")
    assert mailbox.poll_lock_token == taken_over["token"]  # the old poll did not release the new lease
    assert mailbox.state == Mailbox.State.UNTESTED  # nor record an outcome on the mailbox

    monkeypatch.setattr(fetching, "fetch_and_prepare", fetch)
    polling.release_lock(mailbox.pk, taken_over["token"])
    assert polling.poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk]).new_messages == {buffer.pk: 3}
