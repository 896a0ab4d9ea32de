"""A mailbox's health: ready, needs sign-in, failing — recorded where administrators look.

Changes are compare-and-set updates, so the caller learns whether *this* call opened (or closed) an
incident: notifications hang on that, once per incident rather than once per poll. Two things are no
incident: a delegated mailbox that was never signed in waits for its first sign-in (FIRST_SIGN_IN), and a
first successful test is no recovery. A poll that stops polling (AUTH_FAILURE_LIMIT) is told at once.
"""

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy, gettext_noop

from intake import reasons
from intake.tenancy import acting_for
from mailboxes.models import Buffer, Mailbox
from mailboxes.notifications import events
from mailboxes.protocols.errors import AuthenticationRejected, MailConnectionError, SignInRequired

INCIDENT_STATES = [Mailbox.State.NEEDS_SIGN_IN, Mailbox.State.FAILING]
# Authentication failures in a row after which polling stops until an administrator fixes the mailbox:
# hammering a server with a login it refuses gets accounts locked.
AUTH_FAILURE_LIMIT = 3
# Stored as a code, as every reason is (intake.reasons), and shown in the reader's language.
FIRST_SIGN_IN_REASON = reasons.define(
    "mailbox.first_sign_in",
    gettext_lazy("Waiting for its first sign-in: press Authorize and sign in with its account."),
)
FIRST_SIGN_IN = FIRST_SIGN_IN_REASON.stored()
# How rows recorded before reasons had codes say it: still recognised.
FIRST_SIGN_IN_AS_TEXT = gettext_noop(
    "Waiting for its first sign-in: press Authorize and sign in with its account."
)
WAITING_FOR_FIRST_SIGN_IN = [FIRST_SIGN_IN, FIRST_SIGN_IN_AS_TEXT]


def polling_stopped(mailbox: Mailbox) -> bool:
    """The poll leaves this mailbox alone until an administrator acts (see polling.poll)."""
    return mailbox.state == Mailbox.State.NEEDS_SIGN_IN or mailbox.auth_failures >= AUTH_FAILURE_LIMIT


def awaiting_first_sign_in(mailbox: Mailbox) -> bool:
    return mailbox.state == Mailbox.State.NEEDS_SIGN_IN and mailbox.last_error in WAITING_FOR_FIRST_SIGN_IN


def still_ready(now) -> tuple[Q, dict]:
    """record_success's usual case as a condition and its changes, for a caller that writes them in its
    own statement with other changes of the row (the poll, releasing its lease with them): a mailbox
    that is ready stays so, checked `now`, its authentication failures forgotten. Nothing ended, so
    nothing is told; where the condition does not hold, the caller calls record_success."""
    return Q(state=Mailbox.State.READY), {"last_checked_at": now, "auth_failures": 0}


def record_success(mailbox: Mailbox, *, resume_polling: bool = False) -> bool:
    """Mark the mailbox ready; True if it was not ready before (an incident just ended).

    With `resume_polling` (an administrator's successful test), buffers held back by the incident's
    backoff are polled at the next beat tick.
    """
    now = timezone.now()
    ready = {"state": Mailbox.State.READY, "last_error": "", "last_checked_at": now, "auth_failures": 0}
    with acting_for(mailbox.tenant_id), transaction.atomic(savepoint=False):  # no savepoint inside a caller's
        ready_now, checked = still_ready(now)
        if Mailbox.objects.filter(ready_now, pk=mailbox.pk).update(**checked):
            recovered = changed = 0  # the usual case, one query: it was ready, nothing ended
        else:
            # Notifications: only the end of an incident is news; a first successful test (untested or
            # waiting for its first sign-in → ready) is not. The recovery notice is in this transaction.
            incident = Q(state__in=INCIDENT_STATES) & ~Q(last_error__in=WAITING_FOR_FIRST_SIGN_IN)
            recovered = Mailbox.objects.filter(incident, pk=mailbox.pk).update(**ready)
            changed = recovered or (
                Mailbox.objects.filter(pk=mailbox.pk).exclude(state=Mailbox.State.READY).update(**ready)
            )
        if changed and resume_polling:
            Buffer.objects.filter(mailbox=mailbox, enabled=True, next_poll_at__gt=now).update(
                next_poll_at=now
            )
        mailbox.state, mailbox.last_error, mailbox.last_checked_at = Mailbox.State.READY, "", now
        mailbox.auth_failures = 0
        if recovered:
            events.mailbox_recovered(mailbox)
    return bool(changed)


def record_failure(mailbox: Mailbox, error: MailConnectionError) -> bool:
    """Record the failure's reason; True if the mailbox just entered this failing state (a new incident)."""
    state = Mailbox.State.NEEDS_SIGN_IN if isinstance(error, SignInRequired) else Mailbox.State.FAILING
    now = timezone.now()
    message = reasons.stored_text(error, 1000)  # the code and detail: shown in each reader's language
    with acting_for(mailbox.tenant_id), transaction.atomic(savepoint=False):  # no savepoint inside a caller's
        if state == Mailbox.State.NEEDS_SIGN_IN and _waits_for_first_sign_in(mailbox, now):
            return False
        changed = (
            Mailbox.objects.filter(pk=mailbox.pk)
            .exclude(state=state)
            .update(state=state, last_error=message, last_checked_at=now)
        )
        if not changed:
            Mailbox.objects.filter(pk=mailbox.pk).update(last_error=message, last_checked_at=now)
        mailbox.state, mailbox.last_error, mailbox.last_checked_at = state, message, now
        if changed:
            # Notifications: a new incident tells the administrators, in this transaction.
            events.mailbox_problem(mailbox)
    return bool(changed)


def _waits_for_first_sign_in(mailbox: Mailbox, now) -> bool:
    """A delegated mailbox nobody ever signed in for, refused for want of a sign-in, is waiting for its
    first one, not in an incident: it never worked, so nothing stopped working (no notification)."""
    if not mailbox.is_delegated or mailbox.oauth_token_cache:
        return False
    never_worked = Q(state=Mailbox.State.UNTESTED) | Q(
        state=Mailbox.State.NEEDS_SIGN_IN, last_error__in=WAITING_FOR_FIRST_SIGN_IN
    )
    waits = Mailbox.objects.filter(never_worked, pk=mailbox.pk).update(
        state=Mailbox.State.NEEDS_SIGN_IN, last_error=FIRST_SIGN_IN, last_checked_at=now
    )
    if waits:
        mailbox.state, mailbox.last_error, mailbox.last_checked_at = (
            Mailbox.State.NEEDS_SIGN_IN,
            FIRST_SIGN_IN,
            now,
        )
    return bool(waits)


def record_poll_failure(mailbox: Mailbox, error: MailConnectionError) -> bool:
    """record_failure for a poll, which also counts authentication failures in a row: the one reaching
    AUTH_FAILURE_LIMIT stops polling, and the administrators are told at once, not after the grace period
    of a failure that may pass. True if a new incident was opened."""
    with acting_for(mailbox.tenant_id), transaction.atomic(savepoint=False):
        opened = record_failure(mailbox, error)
        if not isinstance(error, AuthenticationRejected | SignInRequired):
            return opened
        own = Mailbox.objects.filter(pk=mailbox.pk)
        stops = own.filter(auth_failures=AUTH_FAILURE_LIMIT - 1).update(auth_failures=AUTH_FAILURE_LIMIT)
        if not stops:
            own.update(auth_failures=F("auth_failures") + 1)
        mailbox.auth_failures = own.values_list("auth_failures", flat=True).first() or 0
        if stops and mailbox.state == Mailbox.State.FAILING:
            # Needing sign-in was told at once on entering it; a failure that stops polling is told now.
            events.mailbox_problem(mailbox, polling_stopped=True)
    return opened
