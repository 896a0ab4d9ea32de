import itertools

import pytest

from acd_points.models import AcdPoint, OcrPoint
from intake.tenancy import tenant_context
from mailboxes.models import Buffer, Mailbox, Message
from mailboxes.polling.ingest import IncomingMail, fingerprint, prepare, store
from tests.mail_samples import PDF, PNG, invoice_mail

XML = b'<?xml version="1.0"?><Faktura><Numer>1</Numer></Faktura>'
_uids = itertools.count(1)


@pytest.fixture(autouse=True)
def own_file_area(settings, tmp_path):
    settings.ACD_FILES_ROOT = str(tmp_path / "acd-files")


@pytest.fixture
def buffer_a(world_a):
    mailbox = Mailbox.all_tenants.create(
        tenant=world_a.tenant,
        name="Faktury",
        host="imap.example.com",
        email_address="faktury@alpha.example",
        password="x",
        folders=[{"name": "INBOX", "delimiter": "/", "flags": [], "depth": 0, "selectable": True}],
    )
    return Buffer.all_tenants.create(tenant=world_a.tenant, name="Invoices", mailbox=mailbox)


def add_mail(buffer, raw: bytes, *, uid=None, uidvalidity=1) -> Message:
    """Store `raw` in `buffer` exactly as a poll would."""
    uid = uid or next(_uids)
    mail = IncomingMail(uidvalidity, uid, raw, None, len(raw), fingerprint(str(uid), None, len(raw)))
    prepared = prepare(tenant_id=buffer.tenant_id, buffer_id=buffer.pk, folder=buffer.folder, mail=mail)
    [message] = store(buffer, [prepared])
    return message


@pytest.fixture
def invoice_with_logo():
    return invoice_mail(7, attachments=[("faktura-7.pdf", PDF), ("logo.png", PNG)])


@pytest.fixture
def make_point(world_a, buffer_a):
    def make(*, employees=(), **options):
        point = AcdPoint.all_tenants.create(
            tenant=world_a.tenant,
            name=options.pop("name", "Invoices point"),
            buffer=options.pop("buffer", buffer_a),
            **options,
        )
        with tenant_context(world_a.tenant):  # related managers are tenant-scoped like every default manager
            point.employees.set(employees)
        return point

    return make


@pytest.fixture
def ocr_point(world_a):
    return OcrPoint.all_tenants.create(tenant=world_a.tenant, name="OCR", folder="ocr/incoming")


def xml_mail(number=1):
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = (
        "erp@dostawca.example",
        "faktury@alpha.example",
        f"KSeF {number}",
    )
    message.set_content("e-faktura")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="wizualizacja.pdf")
    message.add_attachment(XML, maintype="application", subtype="xml", filename="faktura.xml")
    return message.as_bytes()
