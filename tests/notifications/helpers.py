"""Small builders and readers shared by the notification tests."""

import email
from email import policy

from intake.tenants import add_employee
from mailboxes.models import NotificationPreference
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


def parse(received) -> email.message.EmailMessage:
    return email.message_from_bytes(received.data, policy=policy.default)


def parts(received) -> tuple[str, str]:
    """(text, html) of a received multipart/alternative mail, decoded, with SMTP's CRLF as newlines."""
    message = parse(received)
    return tuple(
        message.get_body((subtype,)).get_content().replace("\r\n", "\n") for subtype in ("plain", "html")
    )


def want(employee, **kinds):
    NotificationPreference.all_tenants.update_or_create(
        employee=employee, defaults={"tenant": employee.tenant, **kinds}
    )


def another_employee(world, username, **fields):
    values = {"role": "operator", "email": f"{username}@{world.tenant.slug}.example"} | fields
    return add_employee(tenant=world.tenant, username=username, **values)
