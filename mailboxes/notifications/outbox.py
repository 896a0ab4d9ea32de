"""The outbox: notification rows, recorded with their event and sent later, by one worker at a time.

Invariants:
- A row is written in the transaction of the event that causes it, with its Message-ID fixed there:
  every attempt sends the same Message-ID, so a resend after a crash is recognisably the same message.
- A worker acts on a row only after a compare-and-set claim changed exactly one row (queued, or sending
  with an expired claim → sending with the worker's own token). Outcomes are recorded only where the
  token still matches, so a worker that lost its claim cannot overwrite what the next holder did.
- Sending happens after the commit: `enqueue` starts the `sending` job on commit (connected to the
  Celery task in AppConfig.ready); beat sweeps whatever is due (retries, held digests, claims of workers
  that died).
"""

import logging
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Count, F, Q
from django.utils import timezone

from intake.claims import Claims
from intake.claims import backoff as claim_backoff
from intake.jobs import Job
from intake.tenancy import acts_for
from mailboxes.models import Notification

logger = logging.getLogger(__name__)

CLAIM_TTL = timedelta(minutes=5)  # far above the SMTP timeout: a live sender never loses its claim
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=1)
WAIT_RECHECK = timedelta(minutes=15)  # waiting for a mailbox: woken at once when one is set or fixed
DIGEST_HOLD = timedelta(minutes=5)  # a new-mail digest waits for its poll to finish, at most this long

State = Notification.State

# The worker job that sends notifications (ids) after the commit; connected in MailboxesConfig.ready.
sending = Job("send notifications")
claims = Claims(Notification.all_tenants, ttl=CLAIM_TTL)  # a sender claims before it knows the tenant


def new_message_id() -> str:
    domain = urlsplit(settings.PORTAL_BASE_URL).hostname or "intake.invalid"
    return f"<notification.{secrets.token_hex(16)}@{domain}>"


def absolute_link(path: str) -> str:
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}/{path.lstrip('/')}" if path else ""


def backoff(attempts: int) -> timedelta:
    """1 minute after the first failed attempt, doubling, at most an hour."""
    return claim_backoff(attempts, first=FIRST_RETRY, limit=MAX_RETRY)


# -- recording ------------------------------------------------------------------------------------------


@acts_for("tenant_id")
def record(
    *,
    tenant_id: int,
    kind: str,
    recipients,
    addresses: dict[int, str],
    link_paths: dict[int, str] | None = None,
    link_path: str = "",
    buffer=None,
    mailbox=None,
    count: int = 1,
    context: dict | None = None,
    due_at=None,
) -> list[Notification]:
    """Write one queued notification per recipient (call inside the event's transaction).

    Due now unless `due_at` says later; rows due now are handed to a worker once the transaction commits.
    """
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        [
            Notification(
                tenant_id=tenant_id,
                kind=kind,
                recipient=employee,
                to_address=addresses[employee.pk],
                buffer=buffer,
                mailbox=mailbox,
                count=count,
                context=context or {},
                link_path=(link_paths or {}).get(employee.pk, link_path),
                message_id=new_message_id(),
                next_attempt_at=due_at or now,
            )
            for employee in recipients
        ]
    )
    if due_at is None or due_at <= now:
        enqueue([row.pk for row in rows])
    return rows


def enqueue(ids) -> None:
    """Send these notifications as soon as the current transaction commits.

    robust: a broker outage must not fail the event that caused the notification; beat sends it later.
    """
    ids = list(ids)
    if ids:
        sending.start_after_commit(ids)


# -- claiming and outcomes ------------------------------------------------------------------------------


# Queued rows carry no claim; a sending row whose claim expired is claimable too (Claims checks expiry).
CLAIMABLE = Q(state__in=[State.QUEUED, State.SENDING])


def claim(notification_id: int) -> str | None:
    """Take the notification for sending; the token, or None when it is not due or another worker has it."""
    return claims.take(
        notification_id, where=CLAIMABLE & Q(next_attempt_at__lte=timezone.now()), state=State.SENDING
    )


def _finish(notification_id: int, token: str, **changes) -> bool:
    done = claims.release(notification_id, token, **changes)
    if not done:
        logger.warning("notification %s: claim lost before its outcome was recorded", notification_id)
    return done


def count_attempt(notification_id: int, token: str) -> None:
    """Counted before talking to the server, so an attempt that crashed midway still shows."""
    claims.record(notification_id, token, attempts=F("attempts") + 1)


def mark_sent(notification_id: int, token: str) -> bool:
    return _finish(notification_id, token, state=State.SENT, sent_at=timezone.now(), reason="")


def wait(notification_id: int, token: str, reason: str) -> bool:
    """Back to the queue without using up an attempt: the cause is the tenant's setup, not this mail."""
    return _finish(
        notification_id,
        token,
        state=State.QUEUED,
        reason=reason,
        next_attempt_at=timezone.now() + WAIT_RECHECK,
    )


def retry_later(notification_id: int, token: str, reason: str) -> str:
    """After a failed attempt: queued again with exponential backoff, or failed once attempts run out."""
    attempts = claims.held(token, notification_id).values_list("attempts", flat=True).first() or 0
    if attempts >= MAX_ATTEMPTS:
        _finish(notification_id, token, state=State.FAILED, reason=reason)
        return State.FAILED
    _finish(
        notification_id,
        token,
        state=State.QUEUED,
        reason=reason,
        next_attempt_at=timezone.now() + backoff(attempts),
    )
    return State.QUEUED


def cancel(notification_id: int, token: str, reason: str) -> bool:
    return _finish(notification_id, token, state=State.CANCELLED, reason=reason)


# -- waking and sweeping --------------------------------------------------------------------------------


def due(*, limit: int = 200) -> list[tuple[int, int]]:
    """(id, tenant id) of notifications a worker may claim now, oldest due first."""
    now = timezone.now()
    return list(
        Notification.all_tenants.filter(next_attempt_at__lte=now)  # beat's sweep crosses tenants
        .filter(CLAIMABLE & claims.claimable(now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "tenant_id")[:limit]
    )


def _make_due(queryset) -> int:
    ids = list(queryset.values_list("pk", flat=True))
    if ids:
        Notification.objects.filter(pk__in=ids, state=State.QUEUED).update(next_attempt_at=timezone.now())
        enqueue(ids)
    return len(ids)


@acts_for("tenant_id")
def wake(tenant_id: int) -> int:
    """The tenant's notifications waiting for a mailbox or a retry: due now (a mailbox was set or fixed)."""
    return _make_due(
        Notification.objects.filter(
            tenant_id=tenant_id, state=State.QUEUED, next_attempt_at__gt=timezone.now()
        ).exclude(reason="")
    )


@acts_for("buffer")
def release_digests(buffer) -> int:
    """The poll of `buffer` is over: its held new-mail digests (one per recipient) may go."""
    return _make_due(
        Notification.objects.filter(
            buffer=buffer,
            kind=Notification.Kind.NEW_MAIL,
            state=State.QUEUED,
            reason="",
            next_attempt_at__gt=timezone.now(),
        )
    )


def retry_now(ids) -> int:
    """An administrator's "retry now": failed or waiting notifications get a fresh round of attempts."""
    # all_tenants: the caller chose the ids (the admin's tenant-scoped selection).
    retried = Notification.all_tenants.filter(pk__in=list(ids), state__in=[State.QUEUED, State.FAILED])
    chosen = list(retried.values_list("pk", flat=True))
    retried.filter(pk__in=chosen).update(state=State.QUEUED, attempts=0, next_attempt_at=timezone.now())
    enqueue(chosen)
    return len(chosen)


# -- what administrators see ----------------------------------------------------------------------------


@acts_for("tenant_id")
def counts(tenant_id: int) -> dict[str, int]:
    rows = Notification.objects.filter(tenant_id=tenant_id).values("state").annotate(n=Count("pk")).order_by()
    return {state: 0 for state in State.values} | {row["state"]: row["n"] for row in rows}


@acts_for("tenant_id")
def recent(tenant_id: int, *, limit: int = 20) -> list[Notification]:
    return list(
        Notification.objects.filter(tenant_id=tenant_id)
        .select_related("recipient__user")
        .order_by("-created_at", "-pk")[:limit]
    )
