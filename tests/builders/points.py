"""ACD points (granted to employees), OCR points, and a point with a mail and a generated document."""

from dataclasses import dataclass

from django.urls import reverse

from acd_points.actions import generate
from acd_points.models import AcdPoint, MailAction, OcrPoint, record_actions
from intake.models import Document, DocumentFile
from intake.tenancy import tenant_context
from mailboxes.models import Attachment
from tests.builders import sequence
from tests.builders.mail import add_mail, another_message, invoice_mail
from tests.builders.mailboxes import another_buffer


def make_acd_point(tenant, *, buffer, employees=(), name="Invoices point", **options) -> AcdPoint:
    point = AcdPoint.all_tenants.create(tenant=tenant, name=name, buffer=buffer, **options)
    with tenant_context(tenant):  # related managers are tenant-scoped like every default manager
        point.employees.set(employees)
    return point


def make_ocr_point(tenant, *, name="OCR", folder="ocr/incoming") -> OcrPoint:
    return OcrPoint.all_tenants.create(tenant=tenant, name=name, folder=folder)


def another_acd_point(world) -> AcdPoint:
    """A new point of `world`'s tenant on a new buffer, each with a name of its own."""
    return AcdPoint.all_tenants.create(
        tenant=world.tenant, name=f"Point {next(sequence.numbers)}", buffer=another_buffer(world)
    )


def another_mail_action(world) -> MailAction:
    """A recorded action of `world`'s operator (removing a bare mail from a new point's list)."""
    point = another_acd_point(world)
    message = another_message(world)
    with tenant_context(world.tenant):
        record_actions(point, MailAction.Action.REMOVED, world.operator, [message.pk])
        return MailAction.objects.get(message=message)


def another_ocr_point(world) -> OcrPoint:
    return make_ocr_point(world.tenant, name=f"OCR {next(sequence.numbers)}", folder="ocr")


@dataclass
class PointData:
    """A point with a new mail (two attachments) and a document generated from another."""

    point: object
    mail: object
    attachment: object
    document: object
    document_file: object

    def endpoints(self, **replace):
        """(method, url, body) of every endpoint reaching this data; `replace` swaps ids (guessing)."""
        ids = {
            "point": self.point.pk,
            "mail": self.mail.pk,
            "attachment": self.attachment.pk,
            "document": self.document.pk,
            "file": self.document_file.pk,
        } | replace
        return [
            ("get", reverse("api:point", args=[ids["point"]]), None),
            ("get", reverse("api:point-mails", args=[ids["point"]]), None),
            ("get", reverse("api:point-mail", args=[ids["point"], ids["mail"]]), None),
            ("get", reverse("api:attachment-file", args=[ids["point"], ids["attachment"]]), None),
            ("post", reverse("api:point-generate", args=[ids["point"]]), {"mails": [ids["mail"]]}),
            ("get", reverse("api:document", args=[ids["document"]]), None),
            ("get", reverse("api:document-file", args=[ids["document"], ids["file"]]), None),
        ]


def make_point_data(point, buffer, *, employee, mail: bytes) -> PointData:
    """`mail` stored in `buffer`, and a document that `employee` generated through `point` from invoice 8."""
    stored = add_mail(buffer, mail)
    generated = add_mail(buffer, invoice_mail(8))
    [document_id] = generate(point=point, message_ids=[generated.pk], employee=employee).created
    return PointData(
        point=point,
        mail=stored,
        attachment=Attachment.all_tenants.filter(message=stored).order_by("position").first(),
        document=Document.all_tenants.get(pk=document_id),
        document_file=DocumentFile.all_tenants.filter(document_id=document_id).first(),
    )
