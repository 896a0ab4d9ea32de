import unicodedata
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from acd_points.models import AcdPoint
from intake.models import Employee, Tenant
from intake.tenancy import tenant_context
from mailboxes.models import Buffer, Mailbox
from mailboxes.polling.importing import import_mails

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478"
    "9c63f80f00000101000518d84e0000000049454e44ae426082"
)


def invoice_pdf(number: int, supplier: str) -> bytes:
    """A real one-page PDF (cross-reference table and all), so that the demo's previews show a page and
    not the viewer's "Failed to load PDF document". Standard Helvetica: the text is kept to ASCII."""
    ascii_supplier = unicodedata.normalize("NFKD", supplier.replace("ł", "l").replace("Ł", "L"))
    ascii_supplier = ascii_supplier.encode("ascii", "ignore").decode()
    lines = [f"Faktura VAT {number}/11/2026", ascii_supplier, "Do zaplaty: 1 230,00 PLN"]
    text = " ".join(
        f"BT /F1 {18 if i == 0 else 12} Tf 72 {760 - 30 * i} Td ({line}) Tj ET"
        for i, line in enumerate(lines)
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text.encode()),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for index, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (index, content)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return body


def sample(number: int, supplier: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"{supplier} <faktury@{supplier.split()[0].lower()}.example>"
    message["To"] = "faktury@demo.example"
    message["Subject"] = f"Faktura VAT {number}/11/2026"
    # Fixed date, Message-ID and boundary: the same bytes every run, so importing again adds nothing.
    message["Date"] = format_datetime(datetime(2026, 11, number, 9, 30, tzinfo=UTC))
    message["Message-ID"] = f"<demo-invoice-{number}@demo.example>"
    message.set_content(f"Dzień dobry,\n\nw załączeniu faktura {number}/11/2026.\n\nPozdrawiamy,\n{supplier}")
    message.add_attachment(
        invoice_pdf(number, supplier),
        maintype="application",
        subtype="pdf",
        filename=f"FV_{number}_11_2026.pdf",
    )
    message.add_attachment(PNG, maintype="image", subtype="png", filename="logo.png")
    message.set_boundary(f"demo-boundary-{number}")
    return message.as_bytes()


class Command(BaseCommand):
    help = (
        "Give the demo tenant a mailbox, a buffer with sample invoices and an ACD point for its operator, "
        "once: a tenant that already has any of them is left as it is."
    )

    def handle(self, *args, **options):
        tenant = Tenant.objects.filter(slug="demo").first()
        if tenant is None:
            raise CommandError("Run seed_demo first.")
        with tenant_context(tenant):  # everything below belongs to the demo tenant
            # `make run` seeds on every start: renamed, deleted or handled demo items stay as the people
            # using the demo left them (mail removed from the list is not imported again, and so on).
            if Mailbox.objects.exists() or Buffer.objects.exists() or AcdPoint.objects.exists():
                self.stdout.write("Demo workspace: already there, left as it is.")
                return
            with transaction.atomic():  # all or nothing, so an interrupted first run is simply redone
                self.seed(tenant)

    def seed(self, tenant):
        mailbox, _ = Mailbox.objects.get_or_create(
            tenant=tenant,
            name="Demo invoices",
            defaults={
                "host": "imap.example.com",
                "email_address": "faktury@demo.example",
                "password": "demo",
            },
        )
        # Disabled: the demo mailbox is not a real server, so beat must not poll it.
        buffer, _ = Buffer.objects.get_or_create(
            tenant=tenant, name="Demo invoices", defaults={"mailbox": mailbox, "enabled": False}
        )
        suppliers = ["Papiernik Sp. z o.o.", "Energa Obrót S.A.", "Biuro Rachunkowe Łódź"]
        mails = [(f"demo-{n}", sample(n, suppliers[n % 3])) for n in range(1, 6)]
        imported, _ = import_mails(buffer, mails)
        point, _ = AcdPoint.objects.get_or_create(
            tenant=tenant, name="Faktury kosztowe", defaults={"buffer": buffer, "graphic_only": True}
        )
        point.employees.add(Employee.objects.get(user__username="demo-operator"))
        self.stdout.write(f"Demo workspace: point '{point.name}' with {imported} new sample mail(s).")
