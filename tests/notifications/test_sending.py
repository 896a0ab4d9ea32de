"""The outbox: claimed by one worker, retried with backoff, waiting visibly without a mailbox."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from intake.celery import app
from intake.reasons import in_english
from mailboxes.models import Mailbox, Notification
from mailboxes.notifications import outbox
from mailboxes.notifications.sending import Outcome, send_due, send_notification
from mailboxes.notifications.tenant_settings import choose_notification_mailbox
from mailboxes.tasks import send_notification as send_notification_task
from tests.builders import another_employee, make_due, queue
from tests.servers.ports import free_port


def reload(notification) -> Notification:
    return Notification.all_tenants.get(pk=notification.pk)


def test_a_notification_is_sent_once_and_marked_sent(notification_mailbox, world_a, smtp_server):
    notification_mailbox()
    notification = queue(world_a)
    assert send_notification(notification.pk) == Outcome.SENT
    assert send_notification(notification.pk) == Outcome.SKIPPED  # a redelivered task finds it done
    assert len(smtp_server.wait_for_messages(1)) == 1
    row = reload(notification)
    assert (row.state, row.attempts, row.reason, row.claim_token) == ("sent", 1, "", "")
    assert row.sent_at is not None


def test_a_second_worker_cannot_claim_a_notification_being_sent(world_a):
    notification = queue(world_a)
    first = outbox.claim(notification.pk)
    assert first is not None
    assert outbox.claim(notification.pk) is None
    assert send_notification(notification.pk) == Outcome.SKIPPED
    assert reload(notification).claim_token == first


def test_the_claim_of_a_dead_worker_expires_and_another_worker_sends(
    notification_mailbox, world_a, smtp_server
):
    notification_mailbox()
    notification = queue(world_a)
    outbox.claim(notification.pk)  # ... and the worker dies
    assert send_notification(notification.pk) == Outcome.SKIPPED
    Notification.all_tenants.filter(pk=notification.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert [pk for pk, _ in outbox.due()] == [notification.pk]
    assert send_notification(notification.pk) == Outcome.SENT
    assert len(smtp_server.wait_for_messages(1)) == 1


def test_a_worker_that_lost_its_claim_cannot_overwrite_the_outcome_of_the_next_holder(world_a):
    notification = queue(world_a)
    slow = outbox.claim(notification.pk)
    Notification.all_tenants.filter(pk=notification.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    fast = outbox.claim(notification.pk)
    assert outbox.mark_sent(notification.pk, fast)
    outbox.retry_later(notification.pk, slow, "late failure")  # the slow worker reports at last ...
    row = reload(notification)
    assert (row.state, row.reason) == ("sent", "")  # ... and changes nothing


@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_the_same_notification_send_it_once(notification_mailbox, world_a, smtp_server):
    notification_mailbox()
    notification = queue(world_a)
    start = threading.Barrier(4)
    outcomes = []

    def worker():
        start.wait()
        try:
            outcomes.append(send_notification(notification.pk))
        finally:
            connection.close()  # each thread has its own; an open one would block dropping the test database

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [Outcome.SENT, Outcome.SKIPPED, Outcome.SKIPPED, Outcome.SKIPPED]
    smtp_server.wait_for_messages(1)
    assert len(smtp_server.messages_for(rcpt="operator@alpha.example")) == 1


def test_without_a_notification_mailbox_notifications_wait_with_a_reason_and_go_once_one_is_set(
    outgoing_box, world_a, smtp_server
):
    notification = queue(world_a)
    assert send_notification(notification.pk) == Outcome.WAITING
    row = reload(notification)
    assert (row.state, row.attempts) == ("queued", 0)
    assert "No notification mailbox is set" in in_english(row.reason)
    assert row.next_attempt_at > timezone.now()  # not retried at every beat tick
    assert smtp_server.messages == []

    choose_notification_mailbox(tenant=world_a.tenant, mailbox=outgoing_box())
    assert [pk for pk, _ in outbox.due()] == [notification.pk]  # woken at once
    assert send_due() == {Outcome.SENT: 1}
    assert len(smtp_server.wait_for_messages(1)) == 1
    assert reload(notification).state == "sent"


def test_a_refused_connection_is_retried_with_exponential_backoff_then_fails_with_the_reason(
    notification_mailbox, world_a, smtp_server
):
    mailbox = notification_mailbox(port=free_port())  # nothing listens there
    notification = queue(world_a)
    delays = []
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        before = timezone.now()
        assert send_notification(notification.pk) == Outcome.RETRY
        row = reload(notification)
        assert row.state == "queued" and "Connection refused" in in_english(row.reason)
        delays.append(round((row.next_attempt_at - before).total_seconds() / 60))
        make_due(notification)
    assert delays == [1, 2, 4, 8, 16, 32, 60]
    assert send_notification(notification.pk) == Outcome.FAILED
    row = reload(notification)
    assert (row.state, row.attempts) == ("failed", outbox.MAX_ATTEMPTS)
    assert "Connection refused" in in_english(row.reason)
    mailbox.refresh_from_db()
    assert mailbox.state == Mailbox.State.FAILING  # shown on the mailbox too
    assert smtp_server.messages == []


def test_retry_now_gives_a_failed_notification_a_fresh_round(notification_mailbox, world_a, smtp_server):
    notification_mailbox()
    notification = queue(world_a)
    Notification.all_tenants.filter(pk=notification.pk).update(
        state="failed", attempts=outbox.MAX_ATTEMPTS, reason="Connection refused"
    )
    assert outbox.retry_now([notification.pk]) == 1
    assert (reload(notification).state, reload(notification).attempts) == ("queued", 0)
    assert send_notification(notification.pk) == Outcome.SENT
    assert len(smtp_server.wait_for_messages(1)) == 1


def test_a_notification_for_someone_no_longer_active_is_cancelled(notification_mailbox, world_a, smtp_server):
    notification_mailbox()
    notification = queue(world_a)
    world_a.operator.is_active = False
    world_a.operator.save()
    assert send_notification(notification.pk) == Outcome.CANCELLED
    assert reload(notification).state == "cancelled"
    assert smtp_server.messages == []


def test_after_a_failed_attempt_the_tenants_other_notifications_wait_for_the_next_run(
    notification_mailbox, world_a
):
    notification_mailbox(port=free_port())
    queue(world_a), queue(world_a), queue(world_a)
    assert send_due() == {Outcome.RETRY: 1}  # one connection attempt to a dead server per run
    assert Notification.all_tenants.filter(kind="document", attempts=0).count() == 2


def test_the_management_command_sends_what_is_due(notification_mailbox, world_a, smtp_server, capsys):
    notification_mailbox()
    clerk = another_employee(world_a, "clerk")
    queue(world_a), queue(world_a, recipient=clerk)
    call_command("send_notifications")
    assert "sent: 2" in capsys.readouterr().out
    assert {m.rcpt_tos for m in smtp_server.wait_for_messages(2)} == {
        ("operator@alpha.example",),
        ("clerk@alpha.example",),
    }


def test_the_celery_task_sends_the_notification(notification_mailbox, world_a, smtp_server):
    notification_mailbox()
    notification = queue(world_a)
    send_notification_task.apply(args=[notification.pk])
    assert len(smtp_server.wait_for_messages(1)) == 1
    assert reload(notification).state == "sent"


def test_beat_sweeps_due_notifications_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["send-due-notifications"]
    assert (entry["task"], entry["schedule"]) == ("mailboxes.tasks.send_due_notifications", 60.0)
    assert entry["task"] in app.tasks
