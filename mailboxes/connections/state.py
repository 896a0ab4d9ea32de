"""A mailbox's health: ready, needs sign-in, failing — recorded where administrators look.

Changes are compare-and-set updates, so the caller learns whether *this* call opened (or closed) an
incident: notifications hang on that, once per incident rather than once per poll.
"""

from django.db import transaction
from django.utils import timezone

from intake.tenancy import acting_for
from mailboxes.models import Buffer, Mailbox
from mailboxes.notifications import events
from mailboxes.protocols.errors import MailConnectionError, SignInRequired

INCIDENT_STATES = [Mailbox.State.NEEDS_SIGN_IN, Mailbox.State.FAILING]


def record_success(mailbox: Mailbox, *, resume_polling: bool = False) -> bool:
    """Mark the mailbox ready; True if it was not ready before (an incident just ended).

    With `resume_polling` (an administrator's successful test), buffers held back by the incident's
    backoff are polled at the next beat tick.
    """
    now = timezone.now()
    ready = {"state": Mailbox.State.READY, "last_error": "", "last_checked_at": now, "auth_failures": 0}
    with acting_for(mailbox.tenant_id), transaction.atomic(savepoint=False):  # no savepoint inside a caller's
        if Mailbox.objects.filter(pk=mailbox.pk, state=Mailbox.State.READY).update(
            last_checked_at=now, auth_failures=0
        ):
            recovered = changed = 0  # the usual case, one query: it was ready, nothing ended
        else:
            # Notifications: only the end of an incident is news; a first successful test (untested →
            # ready) is not. The recovery notice is recorded in this transaction.
            recovered = Mailbox.objects.filter(pk=mailbox.pk, state__in=INCIDENT_STATES).update(**ready)
            changed = recovered or (
                Mailbox.objects.filter(pk=mailbox.pk).exclude(state=Mailbox.State.READY).update(**ready)
            )
        if changed and resume_polling:
            Buffer.objects.filter(mailbox=mailbox, enabled=True, next_poll_at__gt=now).update(
                next_poll_at=now
            )
        mailbox.state, mailbox.last_error, mailbox.last_checked_at = Mailbox.State.READY, "", now
        if recovered:
            events.mailbox_recovered(mailbox)
    return bool(changed)


def record_failure(mailbox: Mailbox, error: MailConnectionError) -> bool:
    """Record the failure's reason; True if the mailbox just entered this failing state (a new incident)."""
    state = Mailbox.State.NEEDS_SIGN_IN if isinstance(error, SignInRequired) else Mailbox.State.FAILING
    now = timezone.now()
    message = str(error)[:1000]
    with acting_for(mailbox.tenant_id), transaction.atomic(savepoint=False):  # no savepoint inside a caller's
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
