"""Reading stored mail again from its kept original, with the current extractor: after an upgrade that
opens more (S/MIME, ZIP, Outlook .msg), or for mail stored before its body text was kept.

The same preparation as the poll, so one bad mail never stops the run either; a mail's new rows replace
its old ones in one transaction. A mail that has its document keeps its state.
"""

import logging
import posixpath
from dataclasses import dataclass

from django.db import transaction

from intake.tenancy import acting_for
from mailboxes.models import Attachment, Message
from mailboxes.polling import ingest, mail_files

logger = logging.getLogger(__name__)

# Fields a re-read refreshes; identity (buffer, UIDs, fingerprint, folder) and what operators did stay.
_REFRESHED = (
    "message_id", "subject", "sender", "sender_address", "recipients", "header_date", "header_date_text",
    "snippet", "body_text", "unreadable_reason", "defects", "signature", "signature_detail",
    "attachment_count", "attachment_problems", "search_text", "raw_sha256",
)  # fmt: skip


@dataclass
class RereadReport:
    read: int = 0
    unreadable: int = 0
    missing_original: int = 0


def reread_mails(messages) -> RereadReport:
    """Read each of `messages` again; returns what came of it."""
    report = RereadReport()
    for message in messages:
        with acting_for(message.tenant_id):
            outcome = reread_mail(message)
        if outcome == "missing":
            report.missing_original += 1
        else:
            report.read += 1
            report.unreadable += outcome == Message.State.UNREADABLE
    return report


def reread_mail(message: Message) -> str:
    """Read one stored mail again; returns its new state, or "missing" when its original is gone."""
    try:
        raw = mail_files.read(message.raw.name)
    except FileNotFoundError:
        logger.warning("mail %s: its stored original is missing; not read again", message.pk)
        return "missing"
    mail = ingest.IncomingMail(
        message.uidvalidity, message.uid, raw, message.received_at, message.size, message.fingerprint
    )
    prepared = ingest.prepare(
        tenant_id=message.tenant_id,
        buffer_id=message.buffer_id,
        folder=message.folder,
        mail=mail,
        raw_stored=True,
        directory=posixpath.dirname(message.raw.name),  # beside its original, whatever its UID is now
    )
    old_files = set(message.attachments.values_list("file", flat=True))
    with transaction.atomic():
        for name in _REFRESHED:
            setattr(message, name, prepared.fields.get(name, getattr(message, name)))
        if message.state in (Message.State.NEW, Message.State.UNREADABLE):
            message.state = prepared.fields["state"]
        message.save(update_fields=[*_REFRESHED, "state"])
        message.attachments.all().delete()
        Attachment.objects.bulk_create(
            [Attachment(tenant_id=message.tenant_id, message=message, **a) for a in prepared.attachments]
        )
    for name in old_files - {a["file"] for a in prepared.attachments}:
        mail_files.delete(name)
    return message.state
