"""The sweep of stored mail files: it asks the rows what is referenced, removes only what nothing points
at once it is old, temporaries of killed writes included, and reports true counts."""

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import InMemoryStorage, default_storage

from mailboxes.models import Buffer, Message
from mailboxes.polling import mail_files
from mailboxes.polling.ingest import IncomingMail, prepare, store
from mailboxes.polling.lease import acquire_lock, release_lock
from mailboxes.polling.mail_files import SweepReport, remove_orphans
from tests.builders import PDF, age_files, another_buffer, invoice_mail

HOURS = 6 * 3600


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """A media folder of this test's own, so the sweep's counts are this test's."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def _sweep(storage=default_storage) -> SweepReport:
    return remove_orphans(older_than=timedelta(hours=6), storage=storage)


def _prepared(buffer: Buffer, uid: int, *, resyncs: int = 0):
    raw = invoice_mail(uid, attachments=[("f.pdf", PDF)])
    directory = mail_files.mail_folder(buffer.tenant_id, buffer.pk, 7, uid, resyncs)
    mail = IncomingMail(7, uid, raw, None, len(raw), f"fingerprint-{uid}")
    return prepare(
        tenant_id=buffer.tenant_id, buffer_id=buffer.pk, folder="INBOX", mail=mail, directory=directory
    )


def _folder_bytes(media: Path, folder: str) -> int:
    return sum(path.stat().st_size for path in (media / folder).iterdir())


def _killed_writer(media: Path, name: str) -> Path:
    """A process writing `name` through open_for_writing, killed (SIGKILL) before it finished."""
    code = (
        "import django, os, signal; django.setup(); from mailboxes.polling import mail_files\n"
        f"with mail_files.open_for_writing({name!r}) as handle:\n"
        "    handle.write(b'x' * 100_000); handle.flush(); os.kill(os.getpid(), signal.SIGKILL)"
    )
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "INTAKE_TEST_MEDIA_ROOT": str(media),
    }
    process = subprocess.run(
        [sys.executable, "-c", code], env=environment, cwd=django_settings.BASE_DIR, check=False
    )
    assert process.returncode == -signal.SIGKILL
    [temporary] = (media / name).parent.glob("*.part")
    return temporary


def test_files_of_mail_never_committed_are_swept_once_old_and_counted_once(world_a, media):
    buffer = another_buffer(world_a)
    kept = _prepared(buffer, 1)
    store(buffer, [kept])
    orphan = _prepared(buffer, 2)  # a poll killed before its commit; the mail then left the server
    orphan_folder = os.path.dirname(orphan.fields["raw"])
    assert _sweep() == SweepReport()  # too fresh: maybe still being written
    age_files(media, HOURS + 60)
    freed = _folder_bytes(media, orphan_folder)
    assert _sweep() == SweepReport(folders=1, files=2, bytes_freed=freed)
    assert not (media / orphan_folder).exists()
    assert default_storage.exists(kept.fields["raw"])
    assert all(default_storage.exists(a["file"]) for a in kept.attachments)
    assert _sweep() == SweepReport()


def test_referenced_folders_stay_whatever_their_age_and_their_other_files_too(world_a, media):
    buffer = another_buffer(world_a)
    kept = _prepared(buffer, 1)
    [message] = store(buffer, [kept])
    # Its row renumbered since (a resync): the folder's name says nothing any more, the row's path does.
    Message.all_tenants.filter(pk=message.pk).update(uidvalidity=99, uid=42)
    stray = media / os.path.dirname(kept.fields["raw"]) / "notes.txt"
    stray.write_bytes(b"left by hand")
    age_files(media, 30 * 24 * 3600)
    assert _sweep() == SweepReport()
    assert stray.exists() and default_storage.exists(kept.fields["raw"])
    assert all(default_storage.exists(a["file"]) for a in kept.attachments)


def test_stale_temporaries_go_wherever_they_are_and_fresh_ones_stay(world_a, media):
    buffer = another_buffer(world_a)
    kept = _prepared(buffer, 1)
    store(buffer, [kept])
    folder = os.path.dirname(kept.fields["raw"])
    in_referenced = _killed_writer(media, f"{folder}/3.pdf")
    elsewhere = _killed_writer(media, f"tenants/{buffer.tenant_id}/documents/ab/scan.pdf")
    age_files(media, HOURS + 60)
    fresh = media / folder / "message.eml.4242.4242.part"
    fresh.write_bytes(b"being written")
    assert _sweep() == SweepReport(temporaries=2, bytes_freed=200_000)
    assert not in_referenced.exists() and not elsewhere.exists()
    assert fresh.exists() and default_storage.exists(kept.fields["raw"])
    assert _sweep() == SweepReport()


def test_emptied_folders_go_with_their_numbering_and_buffer_folders(world_a, media):
    buffer, gone = another_buffer(world_a), another_buffer(world_a)
    store(buffer, [_prepared(buffer, 1)])
    renumbered = _prepared(buffer, 1, resyncs=1)  # never committed, in a numbering of its own
    _prepared(gone, 5)
    gone_folder = f"tenants/{gone.tenant_id}/mail/{gone.pk}"
    Buffer.all_tenants.filter(pk=gone.pk).delete()  # its rows with it
    empty = media / f"tenants/{buffer.tenant_id}/mail/{buffer.pk}/7/9"  # emptied by an older sweep
    empty.mkdir(parents=True)
    age_files(media, HOURS + 60)
    freed = _folder_bytes(media, os.path.dirname(renumbered.fields["raw"]))
    freed += _folder_bytes(media, f"{gone_folder}/7/5")
    # The empty leaf; the renumbered mail's folder and its numbering; the gone buffer's three levels.
    assert _sweep() == SweepReport(folders=6, files=4, bytes_freed=freed)
    assert not empty.exists() and not (media / gone_folder).exists()
    assert not (media / os.path.dirname(os.path.dirname(renumbered.fields["raw"]))).exists()
    assert _sweep() == SweepReport()


def test_a_buffer_being_polled_is_left_for_the_next_sweep(world_a, media):
    buffer = another_buffer(world_a)
    orphan = _prepared(buffer, 2)
    age_files(media, HOURS + 60)
    token = acquire_lock(buffer.mailbox_id)
    assert isinstance(token, str)
    assert _sweep() == SweepReport(busy_buffers=1)
    assert default_storage.exists(orphan.fields["raw"])
    release_lock(buffer.mailbox_id, token)
    assert _sweep().files == 2
    assert not default_storage.exists(orphan.fields["raw"])


def test_storages_without_folders_are_swept_by_the_same_rows(world_a):
    buffer = another_buffer(world_a)
    storage = InMemoryStorage()
    kept, orphan = _prepared(buffer, 1), _prepared(buffer, 2)
    store(buffer, [kept])
    for prepared in (kept, orphan):
        for name in [prepared.fields["raw"], *(a["file"] for a in prepared.attachments)]:
            mail_files.write(name, default_storage.open(name).read(), storage)
    report = remove_orphans(older_than=timedelta(0), storage=storage)  # everything written is old now
    assert (report.folders, report.files, report.temporaries) == (1, 2, 0)
    assert storage.exists(kept.fields["raw"]) and not storage.exists(orphan.fields["raw"])
    assert remove_orphans(older_than=timedelta(0), storage=storage) == SweepReport()
