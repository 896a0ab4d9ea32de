"""Follow-up work of generating and deleting (delete on the server, copy to folders): recorded in the
deciding transaction, run after the commit, retried with backoff until done. Claimed with the claims
idiom (intake.claims), so two workers never do one item and one whose claim expired records nothing."""

from collections import defaultdict
from datetime import timedelta

from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from acd_points import folders
from acd_points.models import PendingWork
from intake import reasons
from intake.claims import Claims, backoff
from intake.jobs import Job
from intake.tenancy import tenant_context
from mailboxes.connections.credentials import with_server
from mailboxes.models import Message
from mailboxes.protocols import imap
from mailboxes.protocols.errors import MailConnectionError

CLAIM = timedelta(minutes=5)
FIRST_RETRY = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)
BATCH = 500
# Why an item failed (PendingWork.last_error): a code, shown in the reader's language; the error's own
# words (the disk's, the folder rule's) are its detail.
COPY_FAILED = reasons.define(
    "follow_up.copy_failed", _("The file could not be copied into the folder %(folder)s.")
)

# The worker job that runs recorded items (ids) after the commit; connected in AcdPointsConfig.ready.
running = Job("run follow-up work")
claims = Claims(PendingWork.all_tenants, ttl=CLAIM)  # workers claim due items of every tenant


def record(items: list[PendingWork]) -> None:
    """Store `items` in the current transaction; they start right after it commits."""
    if not items:
        return
    created = PendingWork.objects.bulk_create(items)
    running.start_after_commit([item.pk for item in created])


def run_due(*, ids: list[int] | None = None, now=None) -> int:
    """Do the due (or the given) pending work; returns how many items were completed."""
    now = now or timezone.now()
    # all_tenants: one worker serves every tenant's due items; each item runs in its own tenant.
    due = PendingWork.all_tenants.exclude(state=PendingWork.State.DONE).filter(next_attempt_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    token = claims.take_many(due, limit=BATCH, now=now)
    items = list(claims.held(token).select_related("message__buffer__mailbox", "document_file", "tenant"))
    done = 0
    deletions = defaultdict(list)
    for item in items:
        if item.kind == PendingWork.Kind.DELETE_ON_SERVER:
            deletions[item.message.buffer.mailbox].append(item)
        else:
            with tenant_context(item.tenant):
                done += _copy(item, token)
    for mailbox, batch in deletions.items():
        with tenant_context(batch[0].tenant):
            done += _delete(mailbox, batch, token)
    return done


def _copy(item: PendingWork, token: str) -> int:
    try:
        with item.document_file.file.open("rb") as handle:
            data = handle.read()
        folders.copy_into(item.tenant_id, item.folder, item.document_file.original_name, data)
    except (OSError, folders.FolderNotAllowed) as error:
        with translation.override("en"):
            detail = f"{type(error).__name__}: {error}"
        _failed(item, token, COPY_FAILED.stored(folder=item.folder, detail=detail))
        return 0
    return 1 if _succeeded(item, token) else 0


def _delete(mailbox, items: list[PendingWork], token: str) -> int:
    def delete_all(server):
        outcomes = {}
        with imap.session(server) as client, imap.translated_errors(server):
            for item in items:
                message = item.message
                try:
                    imap.delete_mail(client, message.folder, message.uid, uidvalidity=message.uidvalidity)
                    outcomes[item.pk] = None
                except imap.FolderRenumbered as error:
                    outcomes[item.pk] = error.stored()
        return outcomes

    try:
        outcomes = with_server(mailbox, delete_all)
    except MailConnectionError as error:
        for item in items:
            _failed(item, token, error.stored())
        return 0
    done = 0
    for item in items:
        if outcomes.get(item.pk):
            _failed(item, token, outcomes[item.pk])
            continue
        if not _succeeded(item, token):
            continue  # the claim expired and another worker took the item over: its outcome is theirs
        # Mail the operator removed from list and mailbox is now gone from the server too.
        Message.objects.filter(pk=item.message_id, state=Message.State.HIDDEN).update(
            state=Message.State.DELETED_ON_SERVER
        )
        done += 1
    return done


def _succeeded(item: PendingWork, token: str) -> bool:
    return claims.release(
        item.pk,
        token,
        state=PendingWork.State.DONE,
        done_at=timezone.now(),
        last_error="",
        attempts=F("attempts") + 1,
    )


def _failed(item: PendingWork, token: str, reason: str) -> bool:
    delay = backoff(item.attempts + 1, first=FIRST_RETRY, limit=MAX_BACKOFF)
    return claims.release(
        item.pk,
        token,
        state=PendingWork.State.FAILED,
        last_error=reason if reasons.is_reason(reason) else reason[:1000],
        attempts=F("attempts") + 1,
        next_attempt_at=timezone.now() + delay,
    )
