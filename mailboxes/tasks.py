"""Celery tasks: thin wrappers that look up ids and call one service each."""

from datetime import timedelta

from celery import shared_task

from mailboxes import mail_files, polling, scheduling


@shared_task(ignore_result=True)
def poll_due_buffers():
    for mailbox_id in scheduling.claim_due_mailboxes():
        poll_mailbox.delay(mailbox_id)


@shared_task(ignore_result=True, acks_late=True)
def poll_mailbox(mailbox_id: int):
    # Safe to run twice: the poll takes a per-mailbox lease and stores each mail exactly once.
    polling.poll_mailbox(mailbox_id)


@shared_task(ignore_result=True)
def remove_orphaned_mail_files():
    mail_files.remove_orphans(older_than=timedelta(hours=6))
