"""Storing mail in a buffer: extract, write files, then commit rows — exactly once per server identity.

Two steps so the poll can pipeline them: `prepare` (parse and write files; no database, safe in worker
threads) and `store` (one transaction per batch: rows for the mails not stored yet, and the buffer's
high-water UID, together).
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from intake.tenancy import acting_for
from mailboxes.extract import extract_mail
from mailboxes.models import Attachment, Buffer, Message
from mailboxes.notifications import events
from mailboxes.polling import mail_files


@dataclass(frozen=True)
class IncomingMail:
    uidvalidity: int
    uid: int
    raw: bytes = field(repr=False)
    received_at: datetime | None
    size: int
    fingerprint: str


@dataclass
class PreparedMail:
    uid: int
    uidvalidity: int
    fields: dict
    attachments: list[dict]


def fingerprint(message_id: str, internaldate: datetime | None, size: int) -> str:
    """Identity of a mail that survives the server renumbering its folder."""
    stamp = internaldate.isoformat() if internaldate else ""
    return hashlib.sha256(f"{message_id.strip()}|{stamp}|{size}".encode()).hexdigest()


def body_text(extracted) -> str:
    """What the mail page shows of the body, kept at intake (the raw mail keeps everything)."""
    return extracted.text[: Message.BODY_TEXT_LIMIT]


def search_text(subject: str, sender: str, names: list[str]) -> str:
    return "\n".join([subject, sender, *names]).lower()[:5000]


def prepare(
    *, tenant_id: int, buffer_id: int, folder: str, mail: IncomingMail, raw_stored: bool = False
) -> PreparedMail:
    """Parse one mail and write its raw bytes (unless the fetcher already did) and attachments to storage.
    Never touches the database."""
    extracted = extract_mail(mail.raw)
    directory = mail_files.mail_folder(tenant_id, buffer_id, mail.uidvalidity, mail.uid)
    raw_path = mail_files.raw_path(directory)
    if not raw_stored:
        mail_files.write(raw_path, mail.raw)
    attachments = []
    for position, found in enumerate(extracted.attachments, start=1):
        path = mail_files.write(
            mail_files.attachment_path(directory, position, found.sniffed_type), found.data
        )
        attachments.append(
            {
                "position": position,
                "display_name": found.display_name[:255],
                "file": path,
                "size": found.size,
                "sha256": found.sha256,
                "declared_type": found.declared_type[:255],
                "sniffed_type": found.sniffed_type[:255],
                "is_graphic": found.is_graphic,
                "is_inline": found.is_inline,
                "origin": found.origin[:500],
                "unreadable_reason": found.unreadable_reason,
            }
        )
    reason = extracted.unreadable_reason
    fields = {
        "folder": folder[:500],
        "fingerprint": mail.fingerprint,
        "message_id": extracted.message_id[:998],
        "subject": extracted.subject,
        "sender": extracted.sender[:998],
        "sender_address": extracted.sender_address[:320],
        "recipients": ", ".join(extracted.recipients),
        "header_date": extracted.date,
        "received_at": mail.received_at or extracted.date or timezone.now(),
        "size": mail.size,
        "snippet": extracted.snippet[:300],
        "body_text": body_text(extracted),
        "raw": raw_path,
        "state": Message.State.UNREADABLE if reason else Message.State.NEW,
        "unreadable_reason": reason,
        "defects": "\n".join(extracted.defects),
        "attachment_count": len(attachments),
        "search_text": search_text(
            extracted.subject, extracted.sender, [a["display_name"] for a in attachments]
        ),
    }
    return PreparedMail(mail.uid, mail.uidvalidity, fields, attachments)


def store(
    buffer: Buffer, prepared: list[PreparedMail], *, advance_to_uid: int | None = None
) -> list[Message]:
    """Commit rows for the prepared mails not stored yet; move the buffer's last UID forward in the same
    transaction. Returns the messages created (a rerun after a crash creates none twice)."""
    with acting_for(buffer.tenant_id), transaction.atomic():
        existing = set(
            Message.objects.filter(
                buffer=buffer,
                uidvalidity__in={p.uidvalidity for p in prepared},
                uid__in=[p.uid for p in prepared],
            ).values_list("uidvalidity", "uid")
        )
        fresh = [p for p in prepared if (p.uidvalidity, p.uid) not in existing]
        messages = Message.objects.bulk_create(
            [
                Message(
                    tenant_id=buffer.tenant_id,
                    buffer=buffer,
                    uidvalidity=p.uidvalidity,
                    uid=p.uid,
                    **p.fields,
                )
                for p in fresh
            ]
        )
        Attachment.objects.bulk_create(
            [
                Attachment(tenant_id=buffer.tenant_id, message=message, **attachment)
                for message, p in zip(messages, fresh, strict=True)
                for attachment in p.attachments
            ]
        )
        # Notifications: the new-mail digest is recorded with the mails it announces (same transaction).
        events.new_mail_stored(buffer, messages)
        if advance_to_uid is not None:
            Buffer.objects.filter(pk=buffer.pk, last_uid__lt=advance_to_uid).update(last_uid=advance_to_uid)
            buffer.last_uid = max(buffer.last_uid, advance_to_uid)
    return messages
