"""A mailbox's health: ready, needs sign-in, failing — recorded where administrators look.

Changes are compare-and-set updates, so the caller learns whether *this* call opened (or closed) an
incident: notifications hang on that, once per incident rather than once per poll.
"""

from django.utils import timezone

from mailboxes.models import Buffer, Mailbox
from mailboxes.protocols.errors import MailConnectionError, SignInRequired


def record_success(mailbox: Mailbox, *, resume_polling: bool = False) -> bool:
    """Mark the mailbox ready; True if it was not ready before (an incident just ended).

    With `resume_polling` (an administrator's successful test), buffers held back by the incident's
    backoff are polled at the next beat tick.
    """
    now = timezone.now()
    changed = (
        Mailbox.all_tenants.filter(pk=mailbox.pk)
        .exclude(state=Mailbox.State.READY)
        .update(state=Mailbox.State.READY, last_error="", last_checked_at=now, auth_failures=0)
    )
    if changed and resume_polling:
        Buffer.all_tenants.filter(mailbox=mailbox, enabled=True, next_poll_at__gt=now).update(
            next_poll_at=now
        )
    if not changed:
        Mailbox.all_tenants.filter(pk=mailbox.pk).update(last_checked_at=now, auth_failures=0)
    mailbox.state, mailbox.last_error, mailbox.last_checked_at = Mailbox.State.READY, "", now
    return bool(changed)


def record_failure(mailbox: Mailbox, error: MailConnectionError) -> bool:
    """Record the failure's reason; True if the mailbox just entered this failing state (a new incident)."""
    state = Mailbox.State.NEEDS_SIGN_IN if isinstance(error, SignInRequired) else Mailbox.State.FAILING
    now = timezone.now()
    message = str(error)[:1000]
    changed = (
        Mailbox.all_tenants.filter(pk=mailbox.pk)
        .exclude(state=state)
        .update(state=state, last_error=message, last_checked_at=now)
    )
    if not changed:
        Mailbox.all_tenants.filter(pk=mailbox.pk).update(last_error=message, last_checked_at=now)
    mailbox.state, mailbox.last_error, mailbox.last_checked_at = state, message, now
    return bool(changed)
