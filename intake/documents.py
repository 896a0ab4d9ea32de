"""Creating documents: the one service every entry point uses to store a document and its files."""

from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from intake import reasons
from intake.files import safe_display_name, sha256_hex, sniff_content_type, tenant_storage_path
from intake.models import Document, DocumentFile
from intake.tenancy import acts_for


@dataclass(frozen=True)
class IncomingFile:
    name: str
    data: bytes


def remove_orphaned_files(*, older_than, storage=default_storage) -> int:
    """Delete document files that no DocumentFile row references, once older than `older_than`.

    They come from a transaction that wrote files and then rolled back (create_document cleans up its
    own failures, but not an enclosing transaction's).
    """
    cutoff = timezone.now() - older_than
    removed = 0
    tenants = storage.listdir("tenants")[0] if storage.exists("tenants") else []
    for tenant in tenants:
        root = f"tenants/{tenant}/documents"
        if not storage.exists(root):
            continue
        for shard in storage.listdir(root)[0]:
            names = [f"{root}/{shard}/{name}" for name in storage.listdir(f"{root}/{shard}")[1]]
            # all_tenants: the sweep walks every tenant's folder.
            known = set(DocumentFile.all_tenants.filter(file__in=names).values_list("file", flat=True))
            for name in names:
                if name not in known and storage.get_modified_time(name) < cutoff:
                    storage.delete(name)
                    removed += 1
    return removed


@acts_for("tenant")
def create_document(*, tenant, title, created_by=None, source="", files=()) -> Document:
    """Store a document with its files, all or nothing. `source`: where it came from, a reasons.Reason
    (e.g. reasons.DOCUMENT_FROM_ACD_POINT(point=…, sender=…)), shown in each reader's language; a plain
    text is stored as written.

    Files are written to storage before the rows that reference them are committed; if anything fails,
    the files written so far are removed, so a committed row always points at a complete file and a
    failure leaves nothing behind.
    """
    written = []
    try:
        with transaction.atomic():
            document = Document.objects.create(
                tenant=tenant, title=title[:300], created_by=created_by, source=_stored_source(source)
            )
            for incoming in files:
                content_type = sniff_content_type(incoming.data)
                path = default_storage.save(
                    tenant_storage_path(tenant.pk, "documents", content_type), ContentFile(incoming.data)
                )
                written.append(path)
                DocumentFile.objects.create(
                    tenant=tenant,
                    document=document,
                    original_name=safe_display_name(incoming.name),
                    file=path,
                    size=len(incoming.data),
                    sha256=sha256_hex(incoming.data),
                    content_type=content_type,
                )
    except BaseException:
        for path in written:
            default_storage.delete(path)
        raise
    return document


def _stored_source(source) -> str:
    limit = Document._meta.get_field("source").max_length
    return source.stored(limit) if isinstance(source, reasons.Reason) else str(source or "")[:limit]
