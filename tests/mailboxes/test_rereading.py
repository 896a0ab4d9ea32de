"""Reading stored mail again from its kept original: after an upgrade, or for mail stored unreadable."""

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from mailboxes.models import Attachment, Buffer, Message
from mailboxes.polling import ingest
from mailboxes.polling.rereading import reread_mails
from tests.builders import PDF, PNG, add_mail, invoice_mail


@pytest.fixture
def buffer(make_mailbox, world_a):
    return Buffer.all_tenants.create(tenant=world_a.tenant, name="reread", mailbox=make_mailbox())


def test_a_mail_stored_unreadable_by_a_bug_is_read_again_once_fixed(buffer, monkeypatch):
    monkeypatch.setattr(ingest, "_mail_fields", lambda *args: 1 / 0)
    message = add_mail(buffer, invoice_mail(1, attachments=[("f.pdf", PDF), ("logo.png", PNG)]))
    assert message.state == Message.State.UNREADABLE and message.attachment_count == 0
    monkeypatch.undo()
    with open("/dev/null", "w") as devnull:
        call_command("reread_mail", "--buffer", str(buffer.pk), "--only-unreadable", stdout=devnull)
    message.refresh_from_db()
    assert message.state == Message.State.NEW and message.unreadable_reason == ""
    assert message.subject == "Faktura 1/2026" and message.attachment_count == 2
    names = list(Attachment.all_tenants.filter(message=message).values_list("display_name", flat=True))
    assert names == ["f.pdf", "logo.png"]


def test_reading_again_keeps_what_operators_did_and_replaces_the_attachments(buffer):
    message = add_mail(buffer, invoice_mail(2))
    Message.all_tenants.filter(pk=message.pk).update(state=Message.State.GENERATED, body_text=None)
    old_files = list(Attachment.all_tenants.filter(message=message).values_list("pk", flat=True))
    report = reread_mails(Message.all_tenants.filter(pk=message.pk))
    assert (report.read, report.unreadable, report.missing_original) == (1, 0, 0)
    message.refresh_from_db()
    assert message.state == Message.State.GENERATED  # its document exists: the state stays
    assert "faktura 2" in message.body_text
    assert not Attachment.all_tenants.filter(pk__in=old_files).exists()
    [attachment] = Attachment.all_tenants.filter(message=message)
    assert default_storage.open(attachment.file.name).read() == PDF


def test_a_mail_whose_original_is_gone_is_counted_not_failed(buffer):
    message = add_mail(buffer, invoice_mail(3))
    default_storage.delete(message.raw.name)
    report = reread_mails(Message.all_tenants.filter(pk=message.pk))
    assert report.missing_original == 1
    message.refresh_from_db()
    assert message.subject == "Faktura 3/2026"


def test_the_admin_action_reads_again_only_the_tenants_own_mail(buffer, client_for, world_a, world_b):
    own = add_mail(buffer, invoice_mail(4))
    Message.all_tenants.filter(pk=own.pk).update(subject="stale")
    foreign_buffer = Buffer.all_tenants.create(tenant=world_b.tenant, name="b", mailbox=buffer.mailbox)
    foreign = add_mail(foreign_buffer, invoice_mail(5))
    Message.all_tenants.filter(pk=foreign.pk).update(subject="stale")
    response = client_for(world_a.admin).post(
        "/admin/mailboxes/message/",
        {"action": "read_again", "_selected_action": [own.pk, foreign.pk]},
        follow=True,
    )
    assert response.status_code == 200
    own.refresh_from_db()
    foreign.refresh_from_db()
    assert own.subject == "Faktura 4/2026"
    assert foreign.subject == "stale"  # another tenant's mail is out of reach
