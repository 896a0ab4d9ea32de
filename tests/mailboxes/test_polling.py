"""Polling a real Dovecot into buffers: incremental, exactly once, resilient."""

import os
import socket
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from intake.reasons import in_english
from mailboxes.models import Attachment, Buffer, Mailbox, Message
from mailboxes.polling.poll import AUTH_FAILURE_LIMIT, acquire_lock, poll_mailbox
from mailboxes.polling.scheduling import claim_due_mailboxes
from tests.builders import PDF, PNG, append_many, invoice_mail


@pytest.fixture
def make_buffer(make_mailbox, world_a):
    def make(server, user, folder="INBOX", **mailbox_fields):
        values = {
            "port": server.imaps_port or server.imap_port,
            "login": user.login,
            "password": user.password,
        }
        if not server.imaps_port:
            values["encryption"] = Mailbox.Encryption.NONE
        mailbox = make_mailbox(**values | mailbox_fields)
        return Buffer.all_tenants.create(
            tenant=world_a.tenant, name=f"Buffer {mailbox.pk} {folder}", mailbox=mailbox, folder=folder
        )

    return make


def poll(buffer):
    return poll_mailbox(buffer.mailbox_id, buffer_ids=[buffer.pk])


def test_first_poll_stores_every_mail_once_with_its_attachments(make_buffer, dovecot, imap_user):
    append_many(
        dovecot,
        imap_user.login,
        "INBOX",
        [invoice_mail(n, attachments=[("f.pdf", PDF), ("logo.png", PNG)]) for n in range(3)],
    )
    buffer = make_buffer(dovecot, imap_user)
    result = poll(buffer)
    assert result.error == "" and result.new_messages == {buffer.pk: 3}
    messages = list(Message.all_tenants.filter(buffer=buffer).order_by("uid"))
    assert [m.subject for m in messages] == ["Faktura 0/2026", "Faktura 1/2026", "Faktura 2/2026"]
    for message in messages:
        assert message.state == Message.State.NEW and message.attachment_count == 2
        assert default_storage.open(message.raw.name).read().startswith(b"From: Dostawca")
        pdf, png = Attachment.all_tenants.filter(message=message).order_by("position")
        assert (pdf.display_name, pdf.sniffed_type, pdf.is_graphic) == ("f.pdf", "application/pdf", True)
        assert default_storage.open(pdf.file.name).read() == PDF
        assert (png.display_name, png.sniffed_type) == ("logo.png", "image/png")
        assert str(buffer.tenant_id) in pdf.file.name and "f.pdf" not in pdf.file.name
    buffer.refresh_from_db()
    assert buffer.last_uid == messages[-1].uid and buffer.last_error == ""
    assert buffer.next_poll_at > timezone.now()


def test_polling_again_stores_only_the_new_mail(make_buffer, dovecot, imap_user):
    buffer = make_buffer(dovecot, imap_user)
    dovecot.append(imap_user.login, "INBOX", invoice_mail(1))
    poll(buffer)
    dovecot.append(imap_user.login, "INBOX", invoice_mail(2))
    assert poll(buffer).new_messages == {buffer.pk: 1}
    assert poll(buffer).new_messages == {buffer.pk: 0}
    assert Message.all_tenants.filter(buffer=buffer).count() == 2


def test_an_idle_poll_makes_a_handful_of_queries(make_buffer, dovecot, imap_user):
    buffer = make_buffer(dovecot, imap_user)
    append_many(dovecot, imap_user.login, "INBOX", [invoice_mail(n) for n in range(5)])
    poll(buffer)
    with CaptureQueriesContext(connection) as queries:
        assert poll(buffer).new_messages == {buffer.pk: 0}
    assert len(queries) <= 10


def test_polling_does_not_mark_mail_as_read(make_buffer, dovecot, imap_user):
    dovecot.append(imap_user.login, "INBOX", invoice_mail(1))
    poll(make_buffer(dovecot, imap_user))
    with dovecot.connect(imap_user.login) as client:
        client.select_folder("INBOX", readonly=True)
        flags = client.get_flags(client.search("ALL"))
    assert all(b"\\Seen" not in f for f in flags.values())


def test_a_uidvalidity_change_resynchronises_without_duplicates(make_buffer, dovecot, imap_user):
    dovecot.create_folder(imap_user.login, "Faktury")
    when = timezone.now().replace(microsecond=0) - timedelta(days=1)
    mails = [invoice_mail(n) for n in range(3)]
    append_many(dovecot, imap_user.login, "Faktury", mails, msg_time=when)
    buffer = make_buffer(dovecot, imap_user, folder="Faktury")
    poll(buffer)
    first_validity = Buffer.all_tenants.get(pk=buffer.pk).uidvalidity
    # Recreating the folder gives it a new UIDVALIDITY and renumbers the same mails.
    with dovecot.connect(imap_user.login) as client:
        client.delete_folder("Faktury")
    dovecot.create_folder(imap_user.login, "Faktury")
    append_many(dovecot, imap_user.login, "Faktury", [*mails, invoice_mail(99)], msg_time=when)
    assert poll(buffer).new_messages == {buffer.pk: 1}
    buffer.refresh_from_db()
    assert buffer.uidvalidity != first_validity
    stored = Message.all_tenants.filter(buffer=buffer)
    assert stored.count() == 4
    assert set(stored.values_list("uidvalidity", flat=True)) == {buffer.uidvalidity}
    assert sorted(stored.values_list("uid", flat=True)) == [1, 2, 3, 4]


def test_a_locked_mailbox_is_skipped_until_the_lease_expires(make_buffer, dovecot, imap_user):
    buffer = make_buffer(dovecot, imap_user)
    dovecot.append(imap_user.login, "INBOX", invoice_mail(1))
    assert acquire_lock(buffer.mailbox_id)
    # Held by a live process (this one): it says who, and waits.
    assert poll(buffer).skipped.startswith(f"locked by {socket.gethostname()}, process {os.getpid()}, until ")
    assert not Message.all_tenants.filter(buffer=buffer).exists()
    Mailbox.all_tenants.filter(pk=buffer.mailbox_id).update(
        poll_lock_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert poll(buffer).new_messages == {buffer.pk: 1}


def test_a_poll_interrupted_by_a_stopped_server_records_the_error_and_the_next_completes_the_folder(
    make_buffer, make_dovecot
):
    server = make_dovecot()
    user = server.add_user()
    append_many(server, user.login, "INBOX", [invoice_mail(n) for n in range(4)])
    buffer = make_buffer(server, user)
    server.stop()
    result = poll(buffer)
    assert "Connection refused" in result.error
    buffer.refresh_from_db()
    mailbox = Mailbox.all_tenants.get(pk=buffer.mailbox_id)
    assert mailbox.state == Mailbox.State.FAILING and "Connection refused" in in_english(mailbox.last_error)
    assert buffer.consecutive_failures == 1 and buffer.next_poll_at > timezone.now() + timedelta(minutes=3)
    server.start()
    assert poll(buffer).new_messages == {buffer.pk: 4}
    mailbox.refresh_from_db()
    assert mailbox.state == Mailbox.State.READY


def test_repeated_authentication_failures_stop_the_hammering(make_buffer, dovecot, imap_user):
    buffer = make_buffer(dovecot, imap_user, password="wrong")
    for _ in range(AUTH_FAILURE_LIMIT):
        assert "Authentication rejected" in poll(buffer).error
    attempts = len(dovecot.logins(imap_user.login)) + dovecot.log_text().count(imap_user.login)
    assert poll(buffer).skipped == "needs attention"
    assert len(dovecot.logins(imap_user.login)) + dovecot.log_text().count(imap_user.login) == attempts
    assert Mailbox.all_tenants.get(pk=buffer.mailbox_id).state == Mailbox.State.FAILING


def test_a_missing_folder_fails_that_buffer_only(make_buffer, dovecot, imap_user, world_a):
    good = make_buffer(dovecot, imap_user)
    bad = Buffer.all_tenants.create(
        tenant=world_a.tenant, name="gone", mailbox=good.mailbox, folder="No such folder"
    )
    dovecot.append(imap_user.login, "INBOX", invoice_mail(1))
    result = poll_mailbox(good.mailbox_id, buffer_ids=[bad.pk, good.pk])
    assert result.new_messages == {good.pk: 1}
    bad.refresh_from_db()
    assert bad.last_error and bad.consecutive_failures == 1


def test_garbage_does_not_stop_the_poll_and_is_kept_with_a_reason(make_buffer, dovecot, imap_user):
    buffer = make_buffer(dovecot, imap_user)
    append_many(dovecot, imap_user.login, "INBOX", [b"\x01\x02 not a mail \xff\xfe", invoice_mail(1)])
    assert poll(buffer).new_messages == {buffer.pk: 2}
    garbage, good = Message.all_tenants.filter(buffer=buffer).order_by("uid")
    assert garbage.state == Message.State.UNREADABLE and garbage.unreadable_reason
    assert default_storage.open(garbage.raw.name).read().startswith(b"\x01\x02")
    assert good.state == Message.State.NEW


def test_beat_claims_only_due_buffers_and_not_twice(make_buffer, dovecot, imap_user, world_a):
    due = make_buffer(dovecot, imap_user)
    later = make_buffer(dovecot, dovecot.add_user())
    Buffer.all_tenants.filter(pk=later.pk).update(next_poll_at=timezone.now() + timedelta(minutes=30))
    disabled = make_buffer(dovecot, dovecot.add_user())
    Buffer.all_tenants.filter(pk=disabled.pk).update(enabled=False)
    assert claim_due_mailboxes() == [due.mailbox_id]
    assert claim_due_mailboxes() == []
