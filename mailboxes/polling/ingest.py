"""Storing mail in a buffer: extract, write files, then commit rows — exactly once per server identity.

Two steps so the poll can pipeline them: `prepare` (parse and write files; no database, safe in worker
threads) and `store` (one transaction per batch: rows for the mails not stored yet, and the buffer's
high-water UID, together).
"""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake import reasons
from intake.files import fit_to_show, sha256_hex
from intake.storage_faults import StorageFault
from intake.tenancy import acting_for
from mailboxes.extract import extract_mail, headers
from mailboxes.extract.notes import Note
from mailboxes.models import Attachment, Buffer, Message
from mailboxes.notifications import events
from mailboxes.polling import mail_files, spooling

logger = logging.getLogger(__name__)

# Reasons stored on a mail, as codes shown in the reader's language (intake.reasons); extraction's own
# are Notes (mailboxes.extract.notes) with their words in mailboxes.extract_reasons.
CANNOT_BE_READ = reasons.define(
    "message.cannot_be_read",
    _("The portal could not read this mail (the error is logged); the original is kept."),
).stored()
CANNOT_BE_STORED = reasons.define(
    "message.cannot_be_stored",
    _("The portal could not store what it read of this mail (the error is logged); the original is kept."),
).stored()
# What each stored reason may take of its text field (the admin and the API show as much).
REASON_LIMIT = 2000
SIGNATURE_DETAIL_LIMIT = 500  # the field's size
DEFECT_LIMIT = 2000  # one defect, a line of Message.defects
DEFECTS_LIMIT = 20_000  # all of them: whole lines only, so no line's code is ever cut


@dataclass(frozen=True)
class IncomingMail:
    uidvalidity: int
    uid: int
    raw: bytes = field(repr=False)
    received_at: datetime | None
    size: int
    fingerprint: str
    sha256: str = ""  # the digest of `raw`, when the fetcher computed it on the way (a large mail)


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


def raw_sha256(mail: IncomingMail) -> str:
    """The digest of the raw bytes: identifies the mail on a folder renumbered or recreated (resync)."""
    return mail.sha256 or sha256_hex(mail.raw)


def body_text(extracted) -> str:
    """What the mail page shows of the body, kept at intake (the raw mail keeps everything)."""
    return extracted.text[: Message.BODY_TEXT_LIMIT]


def search_text(subject: str, sender: str, names: list[str]) -> str:
    return "\n".join([subject, sender, *names]).lower()[:5000]


def prepare(
    *,
    tenant_id: int,
    buffer_id: int,
    folder: str,
    mail: IncomingMail,
    raw_stored: bool = False,
    directory: str | None = None,
) -> PreparedMail:
    """Parse one mail and write its raw bytes (unless the fetcher already did) and attachments to storage.
    Never touches the database.

    Whatever goes wrong reading the mail (its headers, its structure, a bug of ours), the mail is kept
    raw and comes back unreadable with the reason, so one mail never stops its batch. A storage fault
    (full disk) is not the mail's fault: it propagates, and the poll records it and retries.
    `directory` is where its files go (by default the folder its server identity gives).
    """
    directory = directory or mail_files.mail_folder(tenant_id, buffer_id, mail.uidvalidity, mail.uid)
    raw_path = mail_files.raw_path(directory)
    if not raw_stored:
        mail_files.write(raw_path, mail.raw)
    # Large attachments are decoded straight into files of the mail's folder (local storage).
    spool = spooling.Spool(directory) if mail_files.is_local() else None
    try:
        extracted = extract_mail(mail.raw, spool)
        attachments = _write_attachments(directory, extracted.attachments, spool)
        fields = _mail_fields(folder, mail, raw_path, extracted, attachments)
    except StorageFault:
        raise
    except Exception:
        logger.exception("mail %s could not be read; kept raw as unreadable", describe(buffer_id, mail))
        fields, attachments = unreadable_fields(folder, mail, raw_path, CANNOT_BE_READ), []
    finally:
        if spool is not None:
            spool.discard()  # what was not adopted (a failure midway): no temporary stays behind
    return PreparedMail(mail.uid, mail.uidvalidity, fields, attachments)


def describe(buffer_id: int, mail: IncomingMail) -> str:
    """A mail's identity for the log: where it is and which it is, none of its content."""
    return (
        f"buffer={buffer_id} uidvalidity={mail.uidvalidity} uid={mail.uid} "
        f"fingerprint={mail.fingerprint[:16]}"
    )


def _write_attachments(directory: str, found_attachments, spool=None) -> list[dict]:
    attachments = []
    for position, found in enumerate(found_attachments, start=1):
        path = mail_files.attachment_path(directory, position, found.sniffed_type)
        if found.spooled:  # decoded into a file already: it gets its name, atomically
            spool.adopt(found.spooled, path)
        else:
            mail_files.write(path, found.data)
        attachments.append(
            {
                "position": position,
                "display_name": clean_text(found.display_name)[:255],
                "file": path,
                "size": found.size,
                "sha256": found.sha256,
                "declared_type": clean_text(found.declared_type)[:255],
                "sniffed_type": found.sniffed_type[:255],
                "is_graphic": found.is_graphic,
                "is_inline": found.is_inline,
                "origin": clean_text(fit_to_show(found.origin))[:500],
                "role": found.role,
                "problem": found.problem,
                "problem_detail": stored_reason(found.problem_detail, REASON_LIMIT),
            }
        )
    return attachments


def _mail_fields(folder: str, mail: IncomingMail, raw_path: str, extracted, attachments) -> dict:
    reason = extracted.unreadable_reason
    # What people read in lists and headers: no bidi overrides or zero-width tricks (intake.files).
    subject = clean_text(fit_to_show(extracted.subject))[: Message.SUBJECT_LIMIT]
    sender = clean_text(fit_to_show(extracted.sender))[:998]
    documents = [a for a in attachments if a["role"] == Attachment.Role.DOCUMENT]
    return {
        "folder": clean_text(folder)[:500],
        "fingerprint": mail.fingerprint,
        "raw_sha256": raw_sha256(mail),
        "message_id": clean_text(extracted.message_id)[:998],
        "subject": subject,
        "sender": sender,
        "sender_address": clean_text(extracted.sender_address)[:320],
        "recipients": clean_text(fit_to_show(", ".join(extracted.recipients)))[: Message.RECIPIENTS_LIMIT],
        "header_date": extracted.date,
        "header_date_text": clean_text(extracted.date_text)[:200],
        "received_at": received_at(mail, extracted.date),
        "size": mail.size,
        "snippet": clean_text(extracted.snippet)[:300],
        "body_text": clean_text(body_text(extracted)),
        "raw": raw_path,
        "state": Message.State.UNREADABLE if reason else Message.State.NEW,
        "unreadable_reason": stored_reason(reason, REASON_LIMIT),
        "defects": stored_defects(extracted.defects),
        "signature": extracted.signature,
        "signature_detail": stored_reason(extracted.signature_detail, SIGNATURE_DETAIL_LIMIT),
        "attachment_count": len(documents),
        "attachment_problems": sum(1 for a in attachments if a["problem"]),
        "search_text": search_text(subject, sender, [a["display_name"] for a in attachments]),
    }


def received_at(mail: IncomingMail, header_date: datetime | None) -> datetime:
    """When the mail arrived: the server's INTERNALDATE, else its (plausible) Date header, else now."""
    if mail.received_at is not None and plausible(mail.received_at):
        return mail.received_at
    return header_date or timezone.now()


def plausible(moment: datetime) -> bool:
    try:
        return headers.EARLIEST_PLAUSIBLE_DATE <= moment <= timezone.now() + headers.FUTURE_TOLERANCE
    except TypeError:  # a naive datetime from somewhere: not one to sort by
        return False


def unreadable_fields(folder: str, mail: IncomingMail, raw_path: str, reason: str) -> dict:
    """The row of a mail that could not be read: its identity and the reason, nothing parsed."""
    identity = {
        "folder": clean_text(folder)[:500],
        "fingerprint": mail.fingerprint,
        "raw_sha256": raw_sha256(mail),
        "received_at": received_at(mail, None),
        "size": mail.size,
        "raw": raw_path,
    }
    return plain_fields(identity, reason)


def plain_fields(identity: dict, reason: str) -> dict:
    """An unreadable row keeping only the identity fields of `identity` (a row's fields, or just those)."""
    kept = {name: identity[name] for name in _IDENTITY}
    return kept | {"body_text": "", "state": Message.State.UNREADABLE, "unreadable_reason": reason}


# What a stored row needs to stay findable and listed: where the mail is, which it is, when it came.
_IDENTITY = ("folder", "fingerprint", "raw_sha256", "received_at", "size", "raw")


def stored_reason(value, limit: int) -> str:
    """What a text field of `limit` characters keeps of a reason extraction gave (a Note, or a plain text
    such as a signer's address): its code and parameters, cleaned and shortened to fit (intake.reasons)."""
    return reasons.fitted(_cleaned(value), limit) if value else ""


def stored_defects(defects) -> str:
    """The defects, one stored reason a line, as many whole lines as DEFECTS_LIMIT holds."""
    lines, total = [], 0
    for defect in defects:
        line = stored_reason(defect, DEFECT_LIMIT).replace("\n", " ")  # JSON escapes its own line breaks
        if not line:
            continue
        total += len(line) + bool(lines)
        if total > DEFECTS_LIMIT:
            break
        lines.append(line)
    return "\n".join(lines)


def _cleaned(value):
    """A Note (or text) with every string in it fit for the database (clean_text)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Note):
        return Note(value.code, tuple((name, _cleaned(item)) for name, item in value.params))
    if isinstance(value, tuple):
        return tuple(_cleaned(item) for item in value)
    return value


def clean_text(text: str) -> str:
    """Text any database stores: no NUL characters (PostgreSQL refuses them), no lone surrogates."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def store(
    buffer: Buffer, prepared: list[PreparedMail], *, advance_to_uid: int | None = None
) -> list[Message]:
    """Commit rows for the prepared mails not stored yet; move the buffer's last UID forward in the same
    transaction. Returns the messages created (a rerun after a crash creates none twice).

    A mail whose rows the database refuses is stored again as unreadable, on its own, so the rest of
    the batch is kept; only a failure of that plain row too (the database itself failing) stops the batch.
    """
    with acting_for(buffer.tenant_id), transaction.atomic():
        existing = set(
            Message.objects.filter(
                buffer=buffer,
                uidvalidity__in={p.uidvalidity for p in prepared},
                uid__in=[p.uid for p in prepared],
            ).values_list("uidvalidity", "uid")
        )
        fresh = [p for p in prepared if (p.uidvalidity, p.uid) not in existing]
        try:
            with transaction.atomic():  # a savepoint: a refused batch leaves the transaction usable
                messages = _create_rows(buffer, fresh)
        except Exception:
            messages = [_create_one(buffer, p) for p in fresh]
        # Notifications: the new-mail digest is recorded with the mails it announces (same transaction).
        events.new_mail_stored(buffer, messages)
        if advance_to_uid is not None:
            Buffer.objects.filter(pk=buffer.pk, last_uid__lt=advance_to_uid).update(last_uid=advance_to_uid)
            buffer.last_uid = max(buffer.last_uid, advance_to_uid)
    return messages


def _create_rows(buffer: Buffer, prepared: list[PreparedMail]) -> list[Message]:
    messages = Message.objects.bulk_create(
        [
            Message(
                tenant_id=buffer.tenant_id, buffer=buffer, uidvalidity=p.uidvalidity, uid=p.uid, **p.fields
            )
            for p in prepared
        ]
    )
    Attachment.objects.bulk_create(
        [
            Attachment(tenant_id=buffer.tenant_id, message=message, **attachment)
            for message, p in zip(messages, prepared, strict=True)
            for attachment in p.attachments
        ]
    )
    return messages


def _create_one(buffer: Buffer, prepared: PreparedMail) -> Message:
    try:
        with transaction.atomic():
            return _create_rows(buffer, [prepared])[0]
    except Exception:
        logger.exception(
            "mail buffer=%s uidvalidity=%s uid=%s could not be stored; kept raw as unreadable",
            buffer.pk,
            prepared.uidvalidity,
            prepared.uid,
        )
    plain = PreparedMail(
        prepared.uid, prepared.uidvalidity, plain_fields(prepared.fields, CANNOT_BE_STORED), []
    )
    with transaction.atomic():
        return _create_rows(buffer, [plain])[0]
