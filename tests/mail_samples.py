"""Mails built in tests: invoice-like messages with real attachment bytes."""

import os
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + os.urandom(2048) + b"\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


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


def append_many(dovecot, login: str, folder: str, mails, msg_time=None) -> None:
    """Append several mails over one IMAP connection."""
    with dovecot.connect(login) as client:
        for raw in mails:
            client.append(folder, raw, msg_time=msg_time)
