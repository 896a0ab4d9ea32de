"""Sending notifications: claim, compose, SMTP, record the outcome. Called by the Celery tasks, the
admin's "retry now" (through the queue), and `manage.py send_notifications`.

Delivery is at least once: a worker killed after the server accepted a mail but before the outcome was
committed leaves the row claimed; when the claim expires another worker sends it again, with the same
Message-ID (SMTP has no way to ask "did you already accept this?"). A mail is never lost, and never sent
twice by two live workers: the claim is a compare-and-set.

Where notifications wait instead of failing (no attempt used up): no notification mailbox is set, or it
needs signing in again. An incident notice about the notification mailbox itself waits too — there is
no other way to send it — visibly (outbox, notification settings page, the mailbox's state) until the
mailbox works again, when it is cancelled as no longer true and everything waiting goes.
"""

import logging
from collections import Counter
from enum import StrEnum

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from intake import reasons
from intake.tenancy import tenant_context
from mailboxes.connections import outgoing, state
from mailboxes.models import Mailbox, Notification
from mailboxes.notifications import compose, outbox
from mailboxes.notifications.tenant_settings import settings_for
from mailboxes.protocols.errors import MailConnectionError, ProtocolFailure, SignInRequired

logger = logging.getLogger(__name__)


# Why a notification waits or failed (Notification.reason): codes, shown in the reader's language.
INTERNAL_ERROR = reasons.define(
    "notification.internal_error", _("Internal error (%(kind)s); details are in the log.")
)
RECIPIENT_INACTIVE = reasons.define(
    "notification.recipient_inactive", _("The recipient is no longer an active employee.")
)
NO_MAILBOX = reasons.define(
    "notification.no_mailbox",
    _("No notification mailbox is set: a company administrator chooses one in the settings."),
)
NEEDS_SIGN_IN = reasons.define(
    "notification.mailbox_needs_sign_in", _("The notification mailbox %(name)s needs signing in again.")
)


class Outcome(StrEnum):
    SENT = "sent"
    WAITING = "waiting"
    RETRY = "retry"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"  # not due, or another worker holds it


def send_notification(notification_id: int) -> Outcome:
    """Send one notification if it is due and no other worker holds it."""
    token = outbox.claim(notification_id)
    if token is None:
        return Outcome.SKIPPED
    # all_tenants: a worker knows only the id; the row's tenant is activated for the rest.
    notification = Notification.all_tenants.select_related("tenant", "recipient__user").get(
        pk=notification_id
    )
    try:
        with tenant_context(notification.tenant):
            return _deliver(notification, token)
    except Exception as error:
        # A bug or a library surprise: the reason stays on the row for administrators, the trace in the log.
        logger.exception("notification %s could not be sent", notification_id)
        reason = INTERNAL_ERROR.stored(kind=type(error).__name__)
        return _retry_outcome(outbox.retry_later(notification_id, token, reason))


def _deliver(notification: Notification, token: str) -> Outcome:
    pk = notification.pk
    if not notification.recipient.is_active or not notification.recipient.user.is_active:
        outbox.cancel(pk, token, RECIPIENT_INACTIVE.stored())
        return Outcome.CANCELLED
    chosen = settings_for(notification.tenant_id)
    mailbox = chosen.mailbox if chosen else None
    if mailbox is None or mailbox.purpose != Mailbox.Purpose.OUTGOING:  # (its purpose may have changed)
        outbox.wait(pk, token, NO_MAILBOX.stored())
        return Outcome.WAITING
    if mailbox.state == Mailbox.State.NEEDS_SIGN_IN:
        # Signing in with a token Microsoft refuses gets accounts locked; wait for an administrator.
        outbox.wait(pk, token, _needs_sign_in(mailbox))
        return Outcome.WAITING
    outbox.count_attempt(pk, token)
    message = compose.build(notification, mailbox, language=chosen.effective_language)
    try:
        outgoing.send(mailbox, message)
    except SignInRequired as error:
        with transaction.atomic():
            state.record_failure(mailbox, error)  # opens the incident: administrators are told once
            outbox.wait(pk, token, _needs_sign_in(mailbox))
        return Outcome.WAITING
    except MailConnectionError as error:
        with transaction.atomic():
            if not isinstance(error, ProtocolFailure):
                # Reaching or logging in to the server failed: the mailbox's problem, shown on the mailbox.
                state.record_failure(mailbox, error)
            return _retry_outcome(outbox.retry_later(pk, token, error.stored(1000)))
    with transaction.atomic():
        outbox.mark_sent(pk, token)
        state.record_success(mailbox)
    return Outcome.SENT


def _needs_sign_in(mailbox: Mailbox) -> str:
    return NEEDS_SIGN_IN.stored(name=mailbox.name)


def _retry_outcome(state: str) -> Outcome:
    return Outcome.FAILED if state == Notification.State.FAILED else Outcome.RETRY


def send_due(*, limit: int = 200) -> Counter:
    """Send what is due now (beat, the management command). After a failed attempt the tenant's other
    notifications wait for the next run, so a dead server costs one connection attempt per run."""
    outcomes: Counter = Counter()
    troubled: set[int] = set()
    for notification_id, tenant_id in outbox.due(limit=limit):
        if tenant_id in troubled:
            continue
        outcome = send_notification(notification_id)
        outcomes[outcome] += 1
        if outcome in (Outcome.RETRY, Outcome.FAILED):
            troubled.add(tenant_id)
    return outcomes
