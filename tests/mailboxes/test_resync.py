"""A renumbered folder (a new UIDVALIDITY) on a real Dovecot: stored mails are re-pointed at their new
UIDs by fingerprint or by identical bytes, nothing comes in twice, nothing is merged wrongly, and no
stored file is lost to the sweep or overwritten by a server reusing old numbers."""

import hashlib
import logging
import os
import random
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from mailboxes.models import Attachment, Buffer, Message
from mailboxes.polling import ingest, mail_files
from mailboxes.polling.mail_files import SweepReport, remove_orphans
from mailboxes.polling.poll import poll_mailbox
from tests.builders import (
    PNG,
    age_files,
    append_many,
    invoice_mail,
    large_invoice_mail,
    mail_without_message_id,
    recreate_folder,
    same_id_same_size_pair,
    set_uidvalidity,
)

FOLDER = "Faktury"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """A media folder of this test's own, so the sweep's counts are this test's."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def buffer(make_mailbox, world_a, dovecot, imap_user) -> Buffer:
    dovecot.create_folder(imap_user.login, FOLDER)
    mailbox = make_mailbox(port=dovecot.imaps_port, login=imap_user.login, password=imap_user.password)
    return Buffer.all_tenants.create(tenant=world_a.tenant, name="Faktury", mailbox=mailbox, folder=FOLDER)


def _poll(buffer: Buffer) -> int:
    result = poll_mailbox(buffer.mailbox_id, buffer_ids=[buffer.pk])
    assert result.error == "" and result.skipped == ""
    return result.new_messages[buffer.pk]


def _digest(name: str) -> str:
    return hashlib.sha256(default_storage.open(name).read()).hexdigest()


def _server_digests(dovecot, login: str) -> dict[int, str]:
    mails = dovecot.fetch_messages(login, FOLDER)
    return {uid: hashlib.sha256(raw).hexdigest() for uid, raw in mails.items()}


def _stored_files(buffer: Buffer) -> dict[str, str]:
    """Every stored file of the buffer's rows -> its sha256, read from storage."""
    names = list(Message.all_tenants.filter(buffer=buffer).values_list("raw", flat=True))
    names += Attachment.all_tenants.filter(message__buffer=buffer).values_list("file", flat=True)
    return {name: _digest(name) for name in names}


def _current(buffer: Buffer):
    buffer.refresh_from_db()
    return Message.all_tenants.filter(buffer=buffer, uidvalidity=buffer.uidvalidity)


def _assert_each_row_names_its_own_mail(buffer: Buffer, server: dict[int, str]) -> None:
    """The rows of the current numbering are the server's mails, one each, the bytes agreeing."""
    rows = list(_current(buffer))
    assert sorted(row.uid for row in rows) == sorted(server)
    for row in rows:
        assert _digest(row.raw.name) == row.raw_sha256 == server[row.uid]


def test_a_renumbered_folder_keeps_every_stored_file_through_the_sweep(
    buffer, dovecot, imap_user, media, caplog
):
    when = timezone.now().replace(microsecond=0) - timedelta(days=1)
    twin = invoice_mail(50, attachments=[("twin.pdf", os.urandom(3000))])
    first, second = same_id_same_size_pair()
    invoices = [
        invoice_mail(n, attachments=[(f"f-{n}.pdf", os.urandom(20_000)), ("logo.png", PNG)]) for n in range(6)
    ]
    mails = [*invoices, twin, twin, first, second, mail_without_message_id(1)]
    append_many(dovecot, imap_user.login, FOLDER, mails, msg_time=when)
    assert _poll(buffer) == len(mails)
    before = _stored_files(buffer)
    old_validity = Buffer.all_tenants.get(pk=buffer.pk).uidvalidity
    # The same mails, arrival times kept, in another order: new UIDs under a new UIDVALIDITY.
    recreate_folder(dovecot, imap_user.login, FOLDER, list(reversed(mails)), msg_time=when)
    with caplog.at_level(logging.INFO, logger="mailboxes.polling.resync"):
        assert _poll(buffer) == 0
    # Unique fingerprints are trusted; the twins, the pair sharing one and the mail without a
    # Message-ID are told apart by their bytes.
    assert "re-pointed: 6 by fingerprint, 5 by content; 0 not on the server" in caplog.text
    assert _current(buffer).count() == len(mails) and buffer.uidvalidity != old_validity
    _assert_each_row_names_its_own_mail(buffer, _server_digests(dovecot, imap_user.login))
    # A poll killed before committing a mail that then left the server: a folder no row points into.
    orphan = ingest.prepare(
        tenant_id=buffer.tenant_id,
        buffer_id=buffer.pk,
        folder=FOLDER,
        mail=ingest.IncomingMail(buffer.uidvalidity, 77, invoice_mail(77), None, 10, "x"),
        directory=mail_files.mail_folder(buffer.tenant_id, buffer.pk, buffer.uidvalidity, 77, buffer.resyncs),
    )
    files = age_files(media, 7 * 3600)
    report = remove_orphans(older_than=timedelta(hours=6))
    assert (report.files, report.temporaries) == (2, 0)  # the orphan's mail and its PDF, nothing else
    assert files - report.files == len(before)
    assert not default_storage.exists(orphan.fields["raw"])
    assert _stored_files(buffer) == before  # every row's files there, byte for byte
    for attachment in Attachment.all_tenants.filter(message__buffer=buffer):
        assert before[attachment.file.name] == attachment.sha256
    assert remove_orphans(older_than=timedelta(hours=6)) == SweepReport()


def test_a_folder_re_appended_with_new_arrival_times_is_matched_by_content(
    buffer, dovecot, imap_user, caplog
):
    twin = invoice_mail(50)
    first, second = same_id_same_size_pair()
    changed = invoice_mail(40)
    unchanged = [
        *(invoice_mail(n) for n in range(3)),
        mail_without_message_id(1),
        mail_without_message_id(2),
        twin,
        twin,
        first,
        second,
        large_invoice_mail(60, 5 * 1024 * 1024),  # hashed in chunks on the server side
    ]
    yesterday = timezone.now().replace(microsecond=0) - timedelta(days=1)
    append_many(dovecot, imap_user.login, FOLDER, [*unchanged, changed], msg_time=yesterday)
    assert _poll(buffer) == len(unchanged) + 1
    old_validity = Buffer.all_tenants.get(pk=buffer.pk).uidvalidity
    # Rows stored before digests were kept: the resync reads their files instead.
    older = Message.all_tenants.filter(buffer=buffer).order_by("uid")[::2]
    Message.all_tenants.filter(pk__in=[m.pk for m in older]).update(raw_sha256="")
    changed_since = changed.replace(b"Faktura 40/2026", b"Faktura 41/2026", 1)  # same Message-ID
    moved = random.Random(12).sample(unchanged, len(unchanged))
    recreate_folder(dovecot, imap_user.login, FOLDER, [*moved, changed_since, invoice_mail(99)])
    with caplog.at_level(logging.INFO, logger="mailboxes.polling.resync"):
        assert _poll(buffer) == 2  # the changed mail and the new one, nothing else
    assert "re-pointed: 0 by fingerprint, 10 by content; 1 not on the server" in caplog.text
    _assert_each_row_names_its_own_mail(buffer, _server_digests(dovecot, imap_user.login))
    stored = Message.all_tenants.filter(buffer=buffer)
    assert stored.count() == len(unchanged) + 3
    assert not stored.filter(raw_sha256="").exists()  # the digests read from files are kept
    # The mail whose bytes changed is not merged with its new version: the old one stays as it was.
    [left] = stored.exclude(uidvalidity=buffer.uidvalidity)
    assert left.uidvalidity == old_validity and left.subject == "Faktura 40/2026"
    twins = _current(buffer).filter(subject="Faktura 50/2026")
    assert twins.count() == 2 and len(set(twins.values_list("uid", flat=True))) == 2
    assert _current(buffer).filter(message_id="").count() == 2


def test_a_server_reusing_an_old_uidvalidity_overwrites_no_file_and_hides_no_new_mail(
    buffer, dovecot, imap_user, media
):
    login = imap_user.login
    kept_times = timezone.now().replace(microsecond=0) - timedelta(days=1)
    gone, stays = invoice_mail(1), invoice_mail(2)
    append_many(dovecot, login, FOLDER, [gone, stays], msg_time=kept_times)
    set_uidvalidity(dovecot, login, FOLDER, 1000)
    assert _poll(buffer) == 2
    before = _stored_files(buffer)
    recreate_folder(dovecot, login, FOLDER, [stays], msg_time=kept_times)
    set_uidvalidity(dovecot, login, FOLDER, 2000)
    assert _poll(buffer) == 0
    # Back to 1000, with other mails under the UIDs the first mails had.
    fresh = [invoice_mail(3), invoice_mail(4)]
    recreate_folder(dovecot, login, FOLDER, fresh)
    set_uidvalidity(dovecot, login, FOLDER, 1000)
    assert _poll(buffer) == 2
    _assert_each_row_names_its_own_mail(buffer, _server_digests(dovecot, login))
    new_rows = list(_current(buffer))
    assert {row.subject for row in new_rows} == {"Faktura 3/2026", "Faktura 4/2026"}
    assert all(f"/1000.2/{row.uid}/" in row.raw.name for row in new_rows)  # a numbering of their own
    assert not {row.raw.name for row in new_rows} & set(before)
    age_files(media, 7 * 3600)
    assert remove_orphans(older_than=timedelta(hours=6)) == SweepReport()
    assert {name: _digest(name) for name in before} == before  # never overwritten, never swept
    # Neither old mail is on the server now; the one from the first numbering is off 1000, so it
    # stands for no new mail's UID (the poll would skip that mail, a deletion would hit it).
    off = Message.all_tenants.get(buffer=buffer, subject="Faktura 1/2026")
    assert off.uidvalidity == -1000 and off.uid == -off.pk
    left = Message.all_tenants.get(buffer=buffer, subject="Faktura 2/2026")
    assert left.uidvalidity == 2000


def test_every_row_carries_the_digest_of_its_raw_bytes_unreadable_ones_too():
    raw = b"\xff\xfe not a mail at all"
    mail = ingest.IncomingMail(5, 1, raw, None, len(raw), "fp")
    fields = ingest.unreadable_fields("INBOX", mail, "x/message.eml", ingest.CANNOT_BE_READ)
    assert fields["raw_sha256"] == hashlib.sha256(raw).hexdigest()
    assert ingest.plain_fields(fields, ingest.CANNOT_BE_STORED)["raw_sha256"] == fields["raw_sha256"]
