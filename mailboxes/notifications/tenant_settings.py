"""A tenant's notification settings (mailbox, language) and an employee's preferences."""

from django.conf import settings
from django.db import transaction

from intake.models import Employee, Tenant
from intake.tenancy import acts_for
from mailboxes.models import Mailbox, NotificationPreference, NotificationSettings
from mailboxes.notifications import outbox


@acts_for("tenant_id")
def settings_for(tenant_id: int) -> NotificationSettings | None:
    return (
        NotificationSettings.objects.filter(tenant_id=tenant_id).select_related("mailbox", "tenant").first()
    )


def notification_mailbox(tenant_id: int) -> Mailbox | None:
    chosen = settings_for(tenant_id)
    return chosen.mailbox if chosen else None


def language_of(tenant_id: int) -> str:
    chosen = settings_for(tenant_id)
    return chosen.effective_language if chosen else settings.LANGUAGE_CODE


@acts_for("tenant")
@transaction.atomic
def choose_notification_mailbox(*, tenant: Tenant, mailbox: Mailbox | None, language: str = "") -> None:
    """Set the tenant's notification mailbox (an outgoing mailbox of the same tenant) and language;
    notifications that were waiting for a mailbox go now."""
    if mailbox is not None and (
        mailbox.tenant_id != tenant.pk or mailbox.purpose != Mailbox.Purpose.OUTGOING
    ):
        raise ValueError("the notification mailbox must be an outgoing mailbox of the same tenant")
    NotificationSettings.objects.update_or_create(
        tenant=tenant, defaults={"mailbox": mailbox, "language": language}
    )
    if mailbox is not None:
        outbox.wake(tenant.pk)


@acts_for("employee")
def preferences_for(employee: Employee) -> NotificationPreference:
    """The employee's stored preferences, or unsaved defaults ready to be saved."""
    found = NotificationPreference.objects.filter(employee=employee).first()
    return found or NotificationPreference(tenant_id=employee.tenant_id, employee=employee)
