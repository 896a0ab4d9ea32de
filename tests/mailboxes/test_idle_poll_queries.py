"""An idle poll (nothing new on the server) costs a few SQL queries, the same on any folder size, and still
records everything a poll records: the buffers' last poll, errors cleared, the next due time, the mailbox
checked and ready (an incident ended and told), the lease given up; a lease lost records nothing."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mailboxes.connections import state
from mailboxes.models import Buffer, Mailbox, Notification
from mailboxes.polling import lease as leases
from mailboxes.polling import poll as polling
from mailboxes.protocols import imap
from mailboxes.protocols.errors import TimedOut
from tests import builders

IDLE_POLL_QUERIES = 5  # issue 15: one to claim, one to read, the records and the release


def idle_poll(buffer) -> tuple[polling.PollResult, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        result = polling.poll_mailbox(buffer.mailbox_id, buffer_ids=[buffer.pk])
    return result, [query["sql"] for query in queries]


def test_an_idle_poll_makes_at_most_five_queries_whatever_the_folder_size(served_buffer, dovecot):
    buffer, _, user = served_buffer(range(5))
    small_result, small_queries = idle_poll(buffer)
    builders.append_many(dovecot, user.login, "INBOX", [builders.invoice_mail(n) for n in range(5, 300)])
    builders.poll_once(buffer)
    assert Buffer.all_tenants.get(pk=buffer.pk).last_uid >= 300
    large_result, large_queries = idle_poll(buffer)
    assert small_result.new_messages == large_result.new_messages == {buffer.pk: 0}
    assert len(small_queries) <= IDLE_POLL_QUERIES, small_queries
    assert len(large_queries) == len(small_queries), large_queries
    assert not any("mailboxes_message" in sql for sql in large_queries)  # no mail is looked at


def test_an_idle_poll_records_what_every_poll_records(served_buffer):
    buffer, mailbox, _ = served_buffer(range(2))
    earlier = timezone.now() - timedelta(hours=1)
    # A buffer whose last poll failed (a folder problem) and a ready mailbox with a refused login counted.
    Buffer.all_tenants.filter(pk=buffer.pk).update(
        last_error="the folder was gone", consecutive_failures=2, last_polled_at=earlier
    )
    Mailbox.all_tenants.filter(pk=mailbox.pk).update(auth_failures=1, last_checked_at=earlier)
    started = timezone.now()
    result, queries = idle_poll(buffer)
    assert (result.error, result.skipped, result.new_messages) == ("", "", {buffer.pk: 0})
    assert len(queries) <= IDLE_POLL_QUERIES, queries
    buffer.refresh_from_db()
    mailbox.refresh_from_db()
    assert (buffer.last_error, buffer.consecutive_failures) == ("", 0)
    assert buffer.last_polled_at >= started
    assert started + buffer.interval <= buffer.next_poll_at <= timezone.now() + buffer.interval
    assert (mailbox.state, mailbox.last_error, mailbox.auth_failures) == (Mailbox.State.READY, "", 0)
    assert mailbox.last_checked_at >= started
    assert (mailbox.poll_lock_token, mailbox.poll_lock_expires_at, mailbox.poll_lock_holder) == ("", None, "")


def test_buffers_of_one_mailbox_with_different_intervals_are_each_due_after_their_own(
    served_buffer, dovecot, world_a
):
    first, mailbox, user = served_buffer(range(2))
    dovecot.create_folder(user.login, "Archive")
    second = builders.make_buffer(world_a.tenant, name="archive", mailbox=mailbox, folder="Archive")
    Buffer.all_tenants.filter(pk=first.pk).update(poll_interval_seconds=60)
    Buffer.all_tenants.filter(pk=second.pk).update(poll_interval_seconds=600)
    polling.poll_mailbox(mailbox.pk, buffer_ids=[first.pk, second.pk])  # the second's first poll
    result = polling.poll_mailbox(mailbox.pk, buffer_ids=[first.pk, second.pk])
    assert result.new_messages == {first.pk: 0, second.pk: 0} and not result.failed
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.next_poll_at - first.next_poll_at == timedelta(seconds=540)
    assert first.last_polled_at == second.last_polled_at


def test_an_idle_poll_ending_an_incident_records_the_recovery(served_buffer):
    buffer, mailbox, _ = served_buffer(range(1))
    state.record_failure(mailbox, TimedOut())
    [problem] = Notification.all_tenants.filter(kind="mailbox_problem")
    assert problem.state == "queued"
    result = polling.poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk])
    assert result.new_messages == {buffer.pk: 0} and not result.failed
    mailbox.refresh_from_db()
    assert (mailbox.state, mailbox.last_error) == (Mailbox.State.READY, "")
    problem.refresh_from_db()
    assert problem.state == "cancelled"  # it passed within the grace: nobody needs to hear of it
    assert Mailbox.all_tenants.get(pk=mailbox.pk).poll_lock_token == ""


def test_an_idle_poll_with_a_lease_renewed_long_ago_records_the_same(served_buffer, monkeypatch):
    buffer, mailbox, _ = served_buffer(range(1))
    monkeypatch.setattr(leases, "HEARTBEAT_SECONDS", 0.0)  # never "renewed moments ago": the long way
    Buffer.all_tenants.filter(pk=buffer.pk).update(last_error="old", consecutive_failures=1)
    started = timezone.now()
    assert polling.poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk]).new_messages == {buffer.pk: 0}
    buffer.refresh_from_db()
    mailbox.refresh_from_db()
    assert (buffer.last_error, buffer.consecutive_failures) == ("", 0)
    assert buffer.last_polled_at >= started and mailbox.last_checked_at >= started
    assert mailbox.poll_lock_token == ""


@pytest.mark.parametrize("long_way", [False, True])
def test_an_idle_poll_whose_lease_was_taken_records_nothing(served_buffer, monkeypatch, long_way):
    buffer, mailbox, _ = served_buffer(range(1))
    if long_way:
        monkeypatch.setattr(leases, "HEARTBEAT_SECONDS", 0.0)
    before = Buffer.all_tenants.values("last_polled_at", "next_poll_at").get(pk=buffer.pk)
    checked = Mailbox.all_tenants.get(pk=mailbox.pk).last_checked_at
    open_folder = imap.open_folder

    def taken_meanwhile(client, folder):
        # Another worker takes the mailbox over while the poll talks to the server.
        Mailbox.all_tenants.filter(pk=mailbox.pk).update(
            poll_lock_token="another-worker", poll_lock_expires_at=timezone.now() + timedelta(minutes=5)
        )
        return open_folder(client, folder)

    monkeypatch.setattr(imap, "open_folder", taken_meanwhile)
    result = polling.poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk])
    assert result.error == polling.LEASE_LOST
    assert Buffer.all_tenants.values("last_polled_at", "next_poll_at").get(pk=buffer.pk) == before
    mailbox.refresh_from_db()
    assert (mailbox.poll_lock_token, mailbox.last_checked_at) == ("another-worker", checked)
