"""Celery tasks: thin entry points that look up ids and call one service each."""

from datetime import timedelta

from celery import shared_task

from intake.documents import remove_orphaned_files as remove_orphaned_document_files
from mailboxes.notifications import sending
from mailboxes.polling import mail_files, poll, scheduling


@shared_task(ignore_result=True)
def poll_due_buffers():
    for mailbox_id in scheduling.claim_due_mailboxes():
        poll_mailbox.delay(mailbox_id)


# throws: a failed poll is expected news, stored as a failed task and logged without a traceback.
@shared_task(ignore_result=True, acks_late=True, throws=(poll.PollFailed,))
def poll_mailbox(mailbox_id: int):
    # Safe to run twice: the poll takes a per-mailbox lease and stores each mail exactly once.
    result = poll.poll_mailbox(mailbox_id)
    if result.failed:  # recorded on the mailbox or buffers already; raising shows it among failed tasks
        raise poll.PollFailed("; ".join(result.problems()))


@shared_task(ignore_result=True)
def remove_orphaned_mail_files():
    mail_files.remove_orphans(older_than=timedelta(hours=6))
    remove_orphaned_document_files(older_than=timedelta(hours=6))


@shared_task(ignore_result=True, acks_late=True)
def send_notification(notification_id: int):
    # Safe to run twice: the outbox claim lets one worker send it; retries are the outbox's own
    # (next_attempt_at with backoff, swept by beat), so they survive worker restarts.
    sending.send_notification(notification_id)


def send_notifications(ids: list[int]) -> None:
    """The outbox's `sending` job: one task per notification, so one slow server delays only its own."""
    for notification_id in ids:
        send_notification.delay(notification_id)


@shared_task(ignore_result=True)
def send_due_notifications():
    sending.send_due()
