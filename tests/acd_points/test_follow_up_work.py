"""What happens after the commit: deleting on the IMAP server and copying to folders, retried until done."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from acd_points import actions, folders, follow_up
from acd_points.generate import generate_documents
from acd_points.models import PendingWork
from intake.models import Document
from intake.reasons import in_english
from mailboxes.models import Buffer, Message
from mailboxes.polling.poll import poll_mailbox
from tests.builders import PDF, invoice_mail


@pytest.fixture
def served(served_buffer):
    """A buffer really polled from Dovecot, with three mails."""
    buffer, _, user = served_buffer()
    return buffer, user


def server_uids(dovecot, user):
    with dovecot.connect(user.login) as client:
        client.select_folder("INBOX", readonly=True)
        return set(client.search("ALL"))


def later():
    return timezone.now() + timedelta(days=1)


def test_the_mail_is_deleted_on_the_server_only_after_its_document_is_committed(
    served, dovecot, make_point, world_a
):
    buffer, user = served
    point = make_point(buffer=buffer, delete_after_generate=True)
    message = Message.all_tenants.filter(buffer=buffer).order_by("uid").first()
    generate_documents(point=point, message_ids=[message.pk], employee=world_a.operator)
    # The worker that would delete it has not run (as if it was killed right after the commit):
    assert Document.all_tenants.count() == 1
    assert message.uid in server_uids(dovecot, user)
    assert PendingWork.all_tenants.get().state == PendingWork.State.PENDING
    assert follow_up.run_due() == 1  # the next try, by beat
    assert message.uid not in server_uids(dovecot, user)
    assert Document.all_tenants.count() == 1
    assert Message.all_tenants.get(pk=message.pk).state == Message.State.GENERATED


def test_a_failed_deletion_is_shown_and_retried_and_never_loses_the_document(
    make_mailbox, make_dovecot, world_a, make_point
):
    server = make_dovecot()
    user = server.add_user()
    server.append(user.login, "INBOX", invoice_mail(1))
    mailbox = make_mailbox(port=server.imaps_port, login=user.login, password=user.password)
    buffer = Buffer.all_tenants.create(tenant=world_a.tenant, name="flaky", mailbox=mailbox)
    poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk])
    point = make_point(buffer=buffer, delete_after_generate=True)
    message = Message.all_tenants.get(buffer=buffer)
    generate_documents(point=point, message_ids=[message.pk], employee=world_a.operator)
    server.stop()
    assert follow_up.run_due() == 0
    item = PendingWork.all_tenants.get()
    assert item.state == PendingWork.State.FAILED and "Connection refused" in in_english(item.last_error)
    assert item.next_attempt_at > timezone.now()
    server.start()
    assert follow_up.run_due(now=later()) == 1
    assert server_uids(server, user) == set()
    assert Document.all_tenants.count() == 1


def test_delete_from_list_hides_but_keeps_the_mail_on_the_server(served, dovecot, make_point):
    buffer, user = served
    point = make_point(buffer=buffer)
    message = Message.all_tenants.filter(buffer=buffer).first()
    assert actions.delete_from_list(point=point, message_ids=[message.pk]) == 1
    assert Message.all_tenants.get(pk=message.pk).state == Message.State.HIDDEN
    assert follow_up.run_due() == 0
    assert message.uid in server_uids(dovecot, user)


def test_delete_from_list_and_mailbox_removes_it_on_the_server(served, dovecot, make_point):
    buffer, user = served
    point = make_point(buffer=buffer, allow_delete_from_mailbox=True)
    message = Message.all_tenants.filter(buffer=buffer).first()
    assert actions.delete_from_list_and_mailbox(point=point, message_ids=[message.pk]) == 1
    assert follow_up.run_due() == 1
    assert message.uid not in server_uids(dovecot, user)
    assert Message.all_tenants.get(pk=message.pk).state == Message.State.DELETED_ON_SERVER


def test_delete_from_mailbox_is_refused_when_the_point_does_not_allow_it(served, make_point):
    buffer, _ = served
    point = make_point(buffer=buffer, allow_delete_from_mailbox=False)
    with pytest.raises(PermissionError):
        actions.delete_from_list_and_mailbox(point=point, message_ids=[Message.all_tenants.first().pk])


def test_a_renumbered_folder_stops_the_deletion_instead_of_deleting_another_mail(served, dovecot, make_point):
    buffer, user = served
    point = make_point(buffer=buffer, allow_delete_from_mailbox=True)
    message = Message.all_tenants.filter(buffer=buffer).first()
    Message.all_tenants.filter(pk=message.pk).update(uidvalidity=message.uidvalidity + 1)
    actions.delete_from_list_and_mailbox(point=point, message_ids=[message.pk])
    assert follow_up.run_due() == 0
    assert "renumbered" in PendingWork.all_tenants.get().last_error
    assert len(server_uids(dovecot, user)) == 3


def test_ocr_copies_land_in_the_folder_with_unique_names(make_point, world_a, ocr_point, buffer_a):
    from tests.builders import add_mail

    point = make_point(ocr_point=ocr_point)
    for n in (1, 2):
        message = add_mail(buffer_a, invoice_mail(n, attachments=[("faktura.pdf", PDF + bytes([n]))]))
        generate_documents(point=point, message_ids=[message.pk], employee=world_a.operator)
    assert follow_up.run_due() == 2
    target = folders.resolve(world_a.tenant.pk, "ocr/incoming")
    assert sorted(os.listdir(target)) == ["faktura (2).pdf", "faktura.pdf"]
    assert follow_up.run_due(now=later()) == 0  # done work is not done again


def test_a_failing_copy_is_visible_and_retried(make_point, world_a, ocr_point, buffer_a):
    from tests.builders import add_mail

    blocked = folders.tenant_root(world_a.tenant.pk) / "ocr"
    blocked.parent.mkdir(parents=True, exist_ok=True)
    blocked.write_text("a file where the folder should be")
    point = make_point(ocr_point=ocr_point)
    message = add_mail(buffer_a, invoice_mail(1))
    generate_documents(point=point, message_ids=[message.pk], employee=world_a.operator)
    assert follow_up.run_due() == 0
    assert PendingWork.all_tenants.get().state == PendingWork.State.FAILED
    blocked.unlink()
    assert follow_up.run_due(now=later()) == 1


def test_work_claimed_by_a_live_worker_is_not_done_by_another(make_point, world_a, ocr_point, buffer_a):
    from tests.builders import add_mail

    point = make_point(ocr_point=ocr_point)
    message = add_mail(buffer_a, invoice_mail(1))
    generate_documents(point=point, message_ids=[message.pk], employee=world_a.operator)
    PendingWork.all_tenants.update(
        claimed_until=timezone.now() + timedelta(minutes=5), claim_token="other-worker"
    )
    assert follow_up.run_due() == 0
    assert PendingWork.all_tenants.get().state == PendingWork.State.PENDING
    PendingWork.all_tenants.update(claimed_until=timezone.now() - timedelta(seconds=1))  # that worker died
    assert follow_up.run_due() == 1
