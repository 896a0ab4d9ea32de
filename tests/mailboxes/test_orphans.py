import os
import time
from datetime import timedelta

from django.core.files.storage import default_storage

from mailboxes.models import Buffer
from mailboxes.polling import mail_files
from mailboxes.polling.ingest import IncomingMail, prepare, store
from tests.builders import another_buffer, invoice_mail


def test_files_of_mail_never_committed_are_swept_once_old(world_a):
    buffer: Buffer = another_buffer(world_a)
    kept = prepare(
        tenant_id=world_a.tenant.pk,
        buffer_id=buffer.pk,
        folder="INBOX",
        mail=IncomingMail(7, 1, invoice_mail(1), None, 10, "a"),
    )
    store(buffer, [kept])
    # A poll killed before its commit, whose mail then left the server, leaves this behind:
    prepare(
        tenant_id=world_a.tenant.pk,
        buffer_id=buffer.pk,
        folder="INBOX",
        mail=IncomingMail(7, 2, invoice_mail(2), None, 10, "b"),
    )
    orphan = mail_files.mail_folder(world_a.tenant.pk, buffer.pk, 7, 2)
    assert (
        mail_files.remove_orphans(older_than=timedelta(hours=1)) == 0
    )  # too fresh: maybe still being written
    for name in default_storage.listdir(orphan)[1]:
        old = time.time() - 7200
        os.utime(default_storage.path(f"{orphan}/{name}"), (old, old))
    assert mail_files.remove_orphans(older_than=timedelta(hours=1)) == 1
    assert default_storage.listdir(orphan)[1] == []
    assert default_storage.exists(kept.fields["raw"])
