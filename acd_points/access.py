"""Who may see which point, buffer, mail and document: the one place these permissions are decided.

Operators use the points they were granted individually (SPEC rule 17); tenant administrators, who
configure the points, may use all of their company's points. Every query goes through the tenant-scoped
managers, which the request (middleware, API view) has scoped to its tenant, so another company's ids
answer 404 whatever the permissions, and a query run without a tenant fails instead of leaking.
"""

from django.db.models import Count, Q
from django.http import Http404

from acd_points.mail_list import removed_mail
from acd_points.models import AcdPoint
from intake.models import Document, DocumentFile
from mailboxes.models import Attachment, Buffer, Message


def points_for(employee):
    if employee is None:
        return AcdPoint.objects.none()
    points = AcdPoint.objects.all()
    return points if employee.is_administrator else points.filter(employees=employee)


def buffers_for(employee):
    if employee is None:
        return Buffer.objects.none()
    buffers = Buffer.objects.all()
    return buffers if employee.is_administrator else buffers.filter(employees=employee)


def has_acd_area(employee) -> bool:
    return employee is not None and (employee.is_administrator or points_for(employee).exists())


def point_or_404(request, pk) -> AcdPoint:
    point = points_for(request.employee).select_related("buffer", "ocr_point").filter(pk=pk).first()
    if point is None:
        raise Http404
    return point


def buffer_or_404(request, pk) -> Buffer:
    buffer = buffers_for(request.employee).filter(pk=pk).first()
    if buffer is None:
        raise Http404
    return buffer


def visible_mail(buffer):
    """Mail of a buffer that the list shows: everything not hidden or deleted by an operator.

    The one visibility rule for a mail and everything reached through it (its page, its attachments'
    downloads and previews, on the pages and in the API): a mail removed from the list answers as an id
    that never existed.
    """
    return Message.objects.filter(buffer=buffer, state__in=Message.LISTED_STATES)


def new_mail_counts(buffer_ids) -> dict[int, int]:
    """How many new mails (listed, no document yet) wait in each of these buffers: one grouped query."""
    rows = (
        Message.objects.filter(buffer_id__in=buffer_ids, state=Message.State.NEW)
        .values("buffer_id")
        .annotate(waiting=Count("pk"))
    )
    return {row["buffer_id"]: row["waiting"] for row in rows}


def mail_or_404(buffer, pk, *, removed: bool = False) -> Message:
    """A mail of the list; `removed`: one of the list's "removed from the list" filter instead (only a
    point's list has it: mail Restore can bring back, never mail deleted or being deleted on the server)."""
    message = (removed_mail(buffer) if removed else visible_mail(buffer)).filter(pk=pk).first()
    if message is None:
        raise Http404
    return message


def visible_attachments(buffer):
    """Attachments (downloads and previews) of the buffer's visible mail: the same rule as the mail's."""
    return Attachment.objects.filter(message__in=visible_mail(buffer))


def attachment_or_404(buffer, pk, *, removed: bool = False) -> Attachment:
    """An attachment of a mail that mail_or_404 (with the same `removed`) would give."""
    mails = removed_mail(buffer) if removed else visible_mail(buffer)
    attachment = Attachment.objects.filter(message__in=mails, pk=pk).select_related("message").first()
    if attachment is None:
        raise Http404
    return attachment


def documents_for(employee):
    """Documents of the points the employee may use (administrators: all of the company's)."""
    if employee is None:
        return Document.objects.none()
    documents = Document.objects.all()
    if employee.is_administrator:
        return documents
    return documents.filter(Q(point_document__point__employees=employee) | Q(created_by=employee)).distinct()


def document_or_404(request, pk) -> Document:
    document = documents_for(request.employee).filter(pk=pk).first()
    if document is None:
        raise Http404
    return document


def document_file_or_404(document, pk) -> DocumentFile:
    stored = DocumentFile.objects.filter(document=document, pk=pk).first()
    if stored is None:
        raise Http404
    return stored
