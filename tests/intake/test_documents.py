import pytest
from django.core.files.storage import default_storage

from intake.documents import IncomingFile, create_document
from intake.models import Document, DocumentFile

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def test_document_files_are_stored_under_the_tenant_prefix_with_generated_names(world_a):
    document = create_document(
        tenant=world_a.tenant,
        title="Invoice 1/2026",
        created_by=world_a.operator,
        files=[IncomingFile("../../etc/faktura.exe", PDF)],
    )
    stored = DocumentFile.all_tenants.get(document=document)
    assert stored.file.name.startswith(f"tenants/{world_a.tenant.pk}/documents/")
    assert "faktura" not in stored.file.name
    assert stored.original_name == "faktura.exe"
    assert stored.content_type == "application/pdf"  # sniffed from the bytes, not the name
    assert stored.size == len(PDF)
    assert default_storage.open(stored.file.name).read() == PDF


def test_a_failure_while_storing_leaves_no_rows_and_no_files(world_a, monkeypatch):
    saved = []
    real_save = default_storage.save

    def save_then_remember(name, content, **kwargs):
        if saved:
            raise OSError("disk full")
        saved.append(real_save(name, content, **kwargs))
        return saved[-1]

    monkeypatch.setattr(default_storage, "save", save_then_remember)
    with pytest.raises(OSError):
        create_document(
            tenant=world_a.tenant,
            title="x",
            files=[IncomingFile("a.pdf", PDF), IncomingFile("b.pdf", PDF)],
        )
    assert not Document.all_tenants.exists()
    assert not DocumentFile.all_tenants.exists()
    assert saved and not any(default_storage.exists(name) for name in saved)


def test_files_of_a_rolled_back_document_are_swept_once_old(world_a):
    import os
    import time
    from datetime import timedelta

    from django.db import transaction

    from intake.documents import remove_orphaned_files

    kept = create_document(tenant=world_a.tenant, title="kept", files=[IncomingFile("a.pdf", PDF)])
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = create_document(tenant=world_a.tenant, title="lost", files=[IncomingFile("b.pdf", PDF)])
        orphan = DocumentFile.all_tenants.get(document=lost).file.name
        raise RuntimeError("the enclosing transaction fails after the files were written")
    assert default_storage.exists(orphan)
    assert remove_orphaned_files(older_than=timedelta(hours=1)) == 0  # too fresh to judge
    old = time.time() - 7200
    os.utime(default_storage.path(orphan), (old, old))
    assert remove_orphaned_files(older_than=timedelta(hours=1)) == 1
    assert not default_storage.exists(orphan)
    assert default_storage.exists(DocumentFile.all_tenants.get(document=kept).file.name)
