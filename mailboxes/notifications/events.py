"""The events that notify people. Each is recorded inside the transaction of the event itself, so a
notification exists exactly when its cause was committed.

- New mail stored in a buffer: one digest per permitted employee per poll. Batches of one poll add to
  the digest still unsent (its count grows) instead of adding rows; the poll releases it when done.
- A document generated: the employees given, if they turned this kind on, never the one who did it.
- A mailbox incident opened (needs sign-in, failing) or closed: the tenant's administrators, once per
  incident. "Failing" is told only if it lasts (INCIDENT_GRACE): a timeout that the next poll cures is
  no news; failures that stopped polling (repeated authentication failures) are told at once. A
  recovery is told to those who were told of the problem; a problem still unsent when the mailbox
  recovers is cancelled, and nobody hears of either. A mailbox waiting for its first sign-in is no
  incident (state.FIRST_SIGN_IN).
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake import reasons
from intake.tenancy import acts_for
from mailboxes.models import Mailbox, Notification
from mailboxes.notifications import outbox
from mailboxes.notifications.recipients import (
    address_of,
    administrators,
    digest_link,
    eligible,
    permitted_on_buffer,
)

DIGEST_SAMPLES = 5  # the newest mails a digest names; the count covers the rest
INCIDENT_GRACE = timedelta(minutes=10)

Kind, State = Notification.Kind, Notification.State

# Why a notice was cancelled (Notification.reason): codes, shown in the reader's language.
REPLACED = reasons.define("notification.replaced", _("Replaced by a newer notice about this mailbox."))
RECOVERED_FIRST = reasons.define(
    "notification.recovered_first", _("The mailbox recovered before this was sent.")
)


@acts_for("buffer")
def new_mail_stored(buffer, messages) -> None:
    """Record (or grow) the new-mail digests of `buffer`; call inside the transaction storing `messages`.

    Digests are held (DIGEST_HOLD) until the poll calls `outbox.release_digests`; if the poll dies first,
    beat sends them when the hold ends.
    """
    if not messages:
        return
    employees = eligible(buffer.tenant_id, permitted_on_buffer(buffer), kind="new_mail")
    if not employees:
        return
    newest = sorted(messages, key=lambda m: (m.received_at, m.uid), reverse=True)[:DIGEST_SAMPLES]
    samples = [{"subject": m.subject[:200], "sender": m.sender[:200]} for m in newest]
    with transaction.atomic():
        # The row lock holds off a sender's claim until this transaction ends, so the mails counted here
        # are in the digest it sends (PostgreSQL; SQLite serialises writers anyway).
        unsent = {}
        for row in Notification.objects.select_for_update().filter(
            kind=Kind.NEW_MAIL, buffer=buffer, state=State.QUEUED, recipient__in=employees
        ):
            unsent.setdefault(row.recipient_id, row)
        fresh = []
        for employee in employees:
            row = unsent.get(employee.pk)
            if row is not None:
                latest = (samples + row.context.get("latest", []))[:DIGEST_SAMPLES]
                grown = Notification.objects.filter(pk=row.pk, state=State.QUEUED).update(
                    count=F("count") + len(messages), context=row.context | {"latest": latest}
                )
                if grown:
                    continue
            fresh.append(employee)
        outbox.record(
            tenant_id=buffer.tenant_id,
            kind=Kind.NEW_MAIL,
            recipients=fresh,
            addresses={e.pk: address_of(e) for e in fresh},
            link_paths={e.pk: digest_link(buffer, e) for e in fresh},
            buffer=buffer,
            count=len(messages),
            context={"buffer": buffer.name, "latest": samples},
            due_at=timezone.now() + outbox.DIGEST_HOLD,
        )


@acts_for("tenant")
def document_generated(*, tenant, document_title: str, link_path: str, actor, recipients) -> None:
    """Record 'a document was generated' notifications (call inside the caller's transaction).

    `recipients` are Employee objects; each gets one only if they turned this kind on (default off);
    `actor` (Employee or None) is not notified of their own action; link_path like '/acd/documents/5/'.
    """
    ids = {employee.pk for employee in recipients}
    if actor is not None:
        ids.discard(actor.pk)
    employees = eligible(tenant.pk, ids, kind="document_generated")
    outbox.record(
        tenant_id=tenant.pk,
        kind=Kind.DOCUMENT_GENERATED,
        recipients=employees,
        addresses={e.pk: address_of(e) for e in employees},
        link_path=link_path,
        context={"title": document_title[:300], "actor": str(actor) if actor is not None else ""},
    )


@acts_for("mailbox")
def mailbox_problem(mailbox: Mailbox, *, polling_stopped: bool = False) -> None:
    """`mailbox` just entered a failing state, or its failures just stopped polling (state.record_failure,
    record_poll_failure; same transaction): tell the administrators — at once when it needs sign-in or
    polling stopped, after INCIDENT_GRACE when it is failing."""
    # A newer incident (failing → needs sign-in) replaces a notice still waiting for its grace period.
    Notification.objects.filter(mailbox=mailbox, kind=Kind.MAILBOX_PROBLEM, state=State.QUEUED).update(
        state=State.CANCELLED, reason=REPLACED.stored()
    )
    employees = eligible(mailbox.tenant_id, administrators(mailbox.tenant_id), kind="mailbox_problems")
    at_once = polling_stopped or mailbox.state == Mailbox.State.NEEDS_SIGN_IN
    outbox.record(
        tenant_id=mailbox.tenant_id,
        kind=Kind.MAILBOX_PROBLEM,
        recipients=employees,
        addresses={e.pk: address_of(e) for e in employees},
        link_path=reverse("admin:mailboxes_mailbox_change", args=[mailbox.pk]),
        mailbox=mailbox,
        context={
            "mailbox": mailbox.name,
            "address": mailbox.email_address,
            "state": mailbox.state,
            "error": mailbox.last_error[:1000],
            "polling_stopped": polling_stopped,
        },
        due_at=None if at_once else timezone.now() + INCIDENT_GRACE,
    )


@acts_for("mailbox")
def mailbox_recovered(mailbox: Mailbox) -> None:
    """`mailbox` works again after an incident (state.record_success, same transaction)."""
    previous = Notification.objects.filter(mailbox=mailbox, kind=Kind.MAILBOX_RECOVERED).aggregate(
        last=Max("pk")
    )["last"]
    incident = Notification.objects.filter(mailbox=mailbox, kind=Kind.MAILBOX_PROBLEM, pk__gt=previous or 0)
    incident.filter(state=State.QUEUED).update(state=State.CANCELLED, reason=RECOVERED_FIRST.stored())
    told = set(incident.filter(state__in=[State.SENT, State.SENDING]).values_list("recipient_id", flat=True))
    employees = eligible(mailbox.tenant_id, told, kind="mailbox_problems")
    outbox.record(
        tenant_id=mailbox.tenant_id,
        kind=Kind.MAILBOX_RECOVERED,
        recipients=employees,
        addresses={e.pk: address_of(e) for e in employees},
        link_path=reverse("admin:mailboxes_mailbox_change", args=[mailbox.pk]),
        mailbox=mailbox,
        context={"mailbox": mailbox.name, "address": mailbox.email_address},
    )
    # Notifications waiting for this mailbox (it may be the notification mailbox) can go now.
    outbox.wake(mailbox.tenant_id)
