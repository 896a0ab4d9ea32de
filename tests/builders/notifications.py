"""Notifications in the outbox, and employees' notification preferences."""

from datetime import timedelta

from django.utils import timezone

from mailboxes.models import Notification, NotificationPreference
from mailboxes.notifications import outbox


def queue(world, *, recipient=None, title="Faktura 7/2026", link_path="/acd/documents/7/"):
    """One queued 'document generated' notification for `recipient` (default: the operator)."""
    recipient = recipient or world.operator
    [notification] = outbox.record(
        tenant_id=world.tenant.pk,
        kind="document",
        recipients=[recipient],
        addresses={recipient.pk: recipient.email},
        link_path=link_path,
        context={"title": title, "actor": str(world.admin)},
    )
    return notification


def make_due(notification) -> None:
    """Let the time until its next attempt pass."""
    Notification.all_tenants.filter(pk=notification.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def want(employee, **kinds):
    NotificationPreference.all_tenants.update_or_create(
        employee=employee, defaults={"tenant": employee.tenant, **kinds}
    )


def another_notification(world) -> Notification:
    """A 'document generated' notification row for `world`'s operator (not recorded through the outbox)."""
    return Notification.all_tenants.create(
        tenant=world.tenant,
        kind=Notification.Kind.DOCUMENT_GENERATED,
        recipient=world.operator,
        to_address=world.operator.email,
        context={"title": f"Invoice of {world.tenant.slug}"},
        message_id=outbox.new_message_id(),
    )
