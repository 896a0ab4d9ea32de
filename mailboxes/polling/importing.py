"""Importing mail files into a buffer (.eml files, folders of them, mbox files), through the same
extraction and storage as polling. Imported mails get UIDVALIDITY 0 and are deduplicated by content."""

import hashlib
import logging
import mailbox as stdlib_mailbox
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Max

from intake import reasons
from intake.tenancy import tenant_context
from mailboxes.models import Buffer, Message
from mailboxes.polling import ingest

logger = logging.getLogger(__name__)

IMPORT_UIDVALIDITY = 0  # never a real server's: RFC 3501 makes UIDVALIDITY a non-zero number


def raw_mails(paths: list[str]) -> Iterator[tuple[str, bytes]]:
    """(label, raw bytes) for every mail in the given files and folders; mbox files are split."""
    for path in map(Path, paths):
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if _is_mbox(file):
                box = stdlib_mailbox.mbox(file, create=False)
                for number, key in enumerate(box.iterkeys(), start=1):
                    yield f"{file}#{number}", box.get_bytes(key)
            elif file.suffix.lower() in {".eml", ""} or not path.is_dir():
                yield str(file), file.read_bytes()


def _is_mbox(file: Path) -> bool:
    # An .eml is one mail, kept byte for byte, even if it starts with an mbox-style "From " line.
    if file.suffix.lower() in (".mbox", ".eml"):
        return file.suffix.lower() == ".mbox"
    with file.open("rb") as handle:
        return handle.read(5) == b"From "


@dataclass
class ImportReport:
    imported: int = 0
    skipped: int = 0  # already in the buffer (same bytes)
    unreadable: int = 0  # imported, but could not be read: listed with the reason

    def __iter__(self):  # (imported, skipped), as callers unpack it
        return iter((self.imported, self.skipped))


def import_mails(buffer: Buffer, mails, *, batch_size: int = 50, progress=None) -> ImportReport:
    """Store `mails` ((label, raw) pairs) in `buffer`. A mail that cannot be read is stored unreadable,
    never stopping the import; one the database refuses is stored plain (see ingest.store)."""
    with tenant_context(buffer.tenant):
        return _import(buffer, mails, batch_size=batch_size, progress=progress)


def _import(buffer: Buffer, mails, *, batch_size: int, progress) -> ImportReport:
    report = ImportReport()
    next_uid = (
        Message.objects.filter(buffer=buffer, uidvalidity=IMPORT_UIDVALIDITY).aggregate(m=Max("uid"))["m"]
        or 0
    ) + 1
    batch: list[tuple[str, bytes]] = []

    def flush():
        nonlocal next_uid
        fingerprints = {label: hashlib.sha256(raw).hexdigest() for label, raw in batch}
        known = set(
            Message.objects.filter(buffer=buffer, fingerprint__in=fingerprints.values()).values_list(
                "fingerprint", flat=True
            )
        )
        prepared = []
        for label, raw in batch:
            fp = fingerprints[label]
            if fp in known:
                report.skipped += 1
                continue
            known.add(fp)
            mail = ingest.IncomingMail(IMPORT_UIDVALIDITY, next_uid, raw, None, len(raw), fp, sha256=fp)
            prepared.append(
                ingest.prepare(tenant_id=buffer.tenant_id, buffer_id=buffer.pk, folder="", mail=mail)
            )
            if prepared[-1].fields["state"] == Message.State.UNREADABLE:
                logger.info(
                    "import: %s stored as unreadable: %s",
                    label,
                    reasons.in_english(prepared[-1].fields["unreadable_reason"]),
                )
            next_uid += 1
        stored = ingest.store(buffer, prepared)
        report.imported += len(stored)
        report.unreadable += sum(message.state == Message.State.UNREADABLE for message in stored)
        if progress:
            progress(report.imported + report.skipped)
        batch.clear()

    for item in mails:
        batch.append(item)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return report
