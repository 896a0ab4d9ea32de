"""After-commit work (delete on the server, copy to folders): record in the deciding transaction, run after
the commit, retry with backoff until done. Claimed by compare-and-set, so two workers never do one item."""

import secrets
from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from acd_points import folders
from acd_points.models import PendingWork
from mailboxes.credentials import with_server
from mailboxes.models import Message
from mailboxes.protocols import imap
from mailboxes.protocols.errors import MailConnectionError

CLAIM = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)


def record(items: list[PendingWork]) -> None:
    """Store `items` in the current transaction; they start right after it commits."""
    if not items:
        return
    created = PendingWork.all_tenants.bulk_create(items)
    ids = [item.pk for item in created]
    transaction.on_commit(lambda: _start(ids))


def _start(ids):
    from acd_points.tasks import run_pending_work

    run_pending_work.delay(ids)


def run_due(*, ids: list[int] | None = None, now=None) -> int:
    """Do the due (or the given) pending work; returns how many items were completed."""
    now = now or timezone.now()
    due = PendingWork.all_tenants.exclude(state=PendingWork.State.DONE).filter(next_attempt_at__lte=now)
    due = due.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    if ids is not None:
        due = due.filter(pk__in=ids)
    # Compare-and-set in one statement: the UPDATE re-checks the claim conditions row by row, so of two
    # workers each row goes to exactly one, which then finds its rows by the token it wrote.
    token = secrets.token_hex(16)
    due.filter(pk__in=list(due.values_list("pk", flat=True)[:500])).update(
        claimed_until=now + CLAIM, claim_token=token
    )
    items = list(
        PendingWork.all_tenants.filter(claim_token=token).select_related(
            "message__buffer__mailbox", "document_file", "tenant"
        )
    )
    done = 0
    deletions = defaultdict(list)
    for item in items:
        if item.kind == PendingWork.Kind.DELETE_ON_SERVER:
            deletions[item.message.buffer.mailbox].append(item)
        else:
            done += _copy(item)
    for mailbox, batch in deletions.items():
        done += _delete(mailbox, batch)
    return done


def _copy(item: PendingWork) -> int:
    try:
        with item.document_file.file.open("rb") as handle:
            data = handle.read()
        folders.copy_into(item.tenant_id, item.folder, item.document_file.original_name, data)
    except (OSError, folders.FolderNotAllowed) as error:
        _failed(item, f"{type(error).__name__}: {error}")
        return 0
    _succeeded(item)
    return 1


def _delete(mailbox, items: list[PendingWork]) -> int:
    def delete_all(server):
        outcomes = {}
        with imap.session(server) as client, imap.translated_errors(server):
            for item in items:
                message = item.message
                try:
                    imap.delete_mail(client, message.folder, message.uid, uidvalidity=message.uidvalidity)
                    outcomes[item.pk] = None
                except imap.FolderRenumbered as error:
                    outcomes[item.pk] = str(error)
        return outcomes

    try:
        outcomes = with_server(mailbox, delete_all)
    except MailConnectionError as error:
        for item in items:
            _failed(item, str(error))
        return 0
    done = 0
    for item in items:
        if outcomes.get(item.pk):
            _failed(item, outcomes[item.pk])
            continue
        _succeeded(item)
        # Mail the operator removed from list and mailbox is now gone from the server too.
        Message.all_tenants.filter(pk=item.message_id, state=Message.State.HIDDEN).update(
            state=Message.State.DELETED_ON_SERVER
        )
        done += 1
    return done


def _succeeded(item: PendingWork) -> None:
    PendingWork.all_tenants.filter(pk=item.pk).update(
        state=PendingWork.State.DONE,
        done_at=timezone.now(),
        last_error="",
        claimed_until=None,
        attempts=F("attempts") + 1,
    )


def _failed(item: PendingWork, reason: str) -> None:
    delay = min(timedelta(minutes=1) * (2 ** min(item.attempts, 12)), MAX_BACKOFF)
    PendingWork.all_tenants.filter(pk=item.pk).update(
        state=PendingWork.State.FAILED,
        last_error=reason[:1000],
        claimed_until=None,
        attempts=F("attempts") + 1,
        next_attempt_at=timezone.now() + delay,
    )
