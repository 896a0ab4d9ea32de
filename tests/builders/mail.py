"""Mails: invoice-like messages with real attachment bytes, appended over IMAP or stored in a buffer."""

import itertools
import os
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

from mailboxes.models import Message
from mailboxes.polling.ingest import IncomingMail, fingerprint, prepare, store
from tests.builders.mailboxes import another_buffer

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + os.urandom(2048) + b"\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
XML = b'<?xml version="1.0"?><Faktura><Numer>1</Numer></Faktura>'
_uids = itertools.count(1)


def invoice_mail(
    number: int = 1, *, attachments=(("faktura.pdf", PDF),), sender="ksiegowosc@dostawca.example"
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Dostawca <{sender}>"
    message["To"] = "faktury@alpha.example"
    message["Subject"] = f"Faktura {number}/2026"
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = make_msgid(domain="dostawca.example")
    message.set_content(f"W załączeniu faktura {number}.")
    for name, data in attachments:
        maintype, subtype = ("application", "pdf") if name.endswith(".pdf") else ("image", "png")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def xml_mail(number=1):
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


def append_many(dovecot, login: str, folder: str, mails, msg_time=None) -> None:
    """Append several mails over one IMAP connection."""
    with dovecot.connect(login) as client:
        for raw in mails:
            client.append(folder, raw, msg_time=msg_time)


def add_mail(buffer, raw: bytes, *, uid=None, uidvalidity=1) -> Message:
    """Store `raw` in `buffer` exactly as a poll would."""
    uid = uid or next(_uids)
    mail = IncomingMail(uidvalidity, uid, raw, None, len(raw), fingerprint(str(uid), None, len(raw)))
    prepared = prepare(tenant_id=buffer.tenant_id, buffer_id=buffer.pk, folder=buffer.folder, mail=mail)
    [message] = store(buffer, [prepared])
    return message


def another_message(world) -> Message:
    """A bare Message row (no stored mail behind it) in a new buffer of `world`'s tenant."""
    return Message.all_tenants.create(
        tenant=world.tenant,
        buffer=another_buffer(world),
        folder="INBOX",
        uidvalidity=1,
        uid=1,
        fingerprint="x",
        subject=f"Invoice for {world.tenant.slug}",
        received_at=timezone.now(),
        size=10,
        raw="x.eml",
    )
