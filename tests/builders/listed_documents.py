"""Documents as the documents list shows them: of a point (through a mail of its buffer) or of none,
with files or without, generated some days ago."""

from datetime import timedelta

from django.utils import timezone

from acd_points.models import PointDocument
from intake.documents import IncomingFile, create_document
from intake.models import Document
from tests.builders import sequence
from tests.builders.mail import PDF, add_mail, invoice_mail


def listed_document(
    tenant, *, title, point=None, created_by=None, source="", files=(("invoice.pdf", PDF),), days_ago=0
) -> Document:
    """A document of `tenant`; `point`: linked to a new mail of the point's buffer, as generating does."""
    document = create_document(
        tenant=tenant,
        title=title,
        created_by=created_by,
        source=source,
        files=[IncomingFile(name, data) for name, data in files],
    )
    if point is not None:
        message = add_mail(point.buffer, invoice_mail(next(sequence.numbers)))
        # Every tenant-owned builder in this package writes through all_tenants with the tenant given.
        PointDocument.all_tenants.create(tenant=tenant, point=point, message=message, document=document)
    if days_ago:
        moment = timezone.now() - timedelta(days=days_ago)
        Document.all_tenants.filter(pk=document.pk).update(created_at=moment)  # builder: tenant given
        document.refresh_from_db()
    return document
