"""One object of each tenant-owned model, built for a given tenant world.

The admin isolation tests walk every tenant-owned model registered in the admin and require a builder
here, so a new model cannot join the admin without being covered.
"""

import itertools

from django.utils import timezone

from acd_points.api import tokens
from acd_points.models import AcdPoint, ApiToken, OcrPoint
from intake.documents import IncomingFile, create_document
from intake.models import Document, Employee
from mailboxes.models import Buffer, Mailbox, Message, Notification
from mailboxes.notifications import outbox

_numbers = itertools.count(1)


def _mailbox(world):
    return Mailbox.all_tenants.create(
        tenant=world.tenant,
        name=f"Invoices {world.tenant.slug} {next(_numbers)}",
        host="imap.example.com",
        email_address=f"faktury@{world.tenant.slug}.example",
        password="secret-of-" + world.tenant.slug,
        folders=[{"name": "INBOX", "delimiter": "/", "flags": [], "depth": 0, "selectable": True}],
    )


def _buffer(world):
    return Buffer.all_tenants.create(
        tenant=world.tenant, name=f"Buffer {world.tenant.slug} {next(_numbers)}", mailbox=_mailbox(world)
    )


def _message(world):
    return Message.all_tenants.create(
        tenant=world.tenant,
        buffer=_buffer(world),
        folder="INBOX",
        uidvalidity=1,
        uid=1,
        fingerprint="x",
        subject=f"Invoice for {world.tenant.slug}",
        received_at=timezone.now(),
        size=10,
        raw="x.eml",
    )


def _acd_point(world):
    return AcdPoint.all_tenants.create(
        tenant=world.tenant, name=f"Point {next(_numbers)}", buffer=_buffer(world)
    )


def _ocr_point(world):
    return OcrPoint.all_tenants.create(tenant=world.tenant, name=f"OCR {next(_numbers)}", folder="ocr")


def _notification(world):
    return Notification.all_tenants.create(
        tenant=world.tenant,
        kind=Notification.Kind.DOCUMENT_GENERATED,
        recipient=world.operator,
        to_address=world.operator.email,
        context={"title": f"Invoice of {world.tenant.slug}"},
        message_id=outbox.new_message_id(),
    )


BUILDERS = {
    Employee: lambda world: world.operator,
    Document: lambda world: create_document(
        tenant=world.tenant,
        title=f"Invoice of {world.tenant.slug}",
        created_by=world.operator,
        files=[IncomingFile("invoice.pdf", b"%PDF-1.4\n%test\n")],
    ),
    Mailbox: _mailbox,
    Buffer: _buffer,
    Message: _message,
    AcdPoint: _acd_point,
    OcrPoint: _ocr_point,
    ApiToken: lambda world: tokens.issue(employee=world.operator, name=f"ERP {next(_numbers)}")[0],
    Notification: _notification,
}
