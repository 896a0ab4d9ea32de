"""Importing mail files into a buffer (.eml files, folders of them, mbox files), through the same
extraction and storage as polling. Imported mails get UIDVALIDITY 0 and are deduplicated by content."""

import hashlib
import mailbox as stdlib_mailbox
from collections.abc import Iterator
from pathlib import Path

from django.db.models import Max

from intake.tenancy import tenant_context
from mailboxes.models import Buffer, Message
from mailboxes.polling import ingest

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
            elif file.suffix.lower() in {".eml", ".msg", ""} or not path.is_dir():
                yield str(file), file.read_bytes()


def _is_mbox(file: Path) -> bool:
    if file.suffix.lower() == ".mbox":
        return True
    with file.open("rb") as handle:
        return handle.read(5) == b"From "


def import_mails(buffer: Buffer, mails, *, batch_size: int = 50, progress=None) -> tuple[int, int]:
    """Store `mails` ((label, raw) pairs) in `buffer`; returns (imported, skipped as already present)."""
    with tenant_context(buffer.tenant):
        return _import(buffer, mails, batch_size=batch_size, progress=progress)


def _import(buffer: Buffer, mails, *, batch_size: int, progress) -> tuple[int, int]:
    imported = skipped = 0
    next_uid = (
        Message.objects.filter(buffer=buffer, uidvalidity=IMPORT_UIDVALIDITY).aggregate(m=Max("uid"))["m"]
        or 0
    ) + 1
    batch: list[tuple[str, bytes]] = []

    def flush():
        nonlocal imported, skipped, next_uid
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
                skipped += 1
                continue
            known.add(fp)
            mail = ingest.IncomingMail(IMPORT_UIDVALIDITY, next_uid, raw, None, len(raw), fp)
            prepared.append(
                ingest.prepare(tenant_id=buffer.tenant_id, buffer_id=buffer.pk, folder="", mail=mail)
            )
            next_uid += 1
        imported += len(ingest.store(buffer, prepared))
        if progress:
            progress(imported + skipped)
        batch.clear()

    for item in mails:
        batch.append(item)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return imported, skipped
