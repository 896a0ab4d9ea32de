"""New mail in a buffer: one digest per permitted employee per poll, polled from a real Dovecot."""

from datetime import timedelta

import pytest
from django.utils import timezone

from intake.reasons import in_english
from intake.tenancy import tenant_context
from mailboxes.models import Buffer, Notification
from mailboxes.notifications import outbox, recipients
from mailboxes.notifications.recipients import register_recipient_source
from mailboxes.notifications.sending import Outcome, send_due
from mailboxes.notifications.tenant_settings import choose_notification_mailbox
from mailboxes.polling import ingest
from mailboxes.polling import poll as polling
from tests.builders import another_employee, append_many, invoice_mail, want
from tests.notifications.helpers import parts


@pytest.fixture(autouse=True)
def no_registered_sources(monkeypatch):
    monkeypatch.setattr(recipients, "_sources", [])
    monkeypatch.setattr(recipients, "_digest_links", [])


@pytest.fixture
def buffer(make_mailbox, world_a, dovecot, imap_user):
    mailbox = make_mailbox(port=dovecot.imaps_port, login=imap_user.login, password=imap_user.password)
    made = Buffer.all_tenants.create(tenant=world_a.tenant, name="Faktury zakupowe", mailbox=mailbox)
    grant(made, world_a.operator)
    return made


def grant(buffer, *employees):
    with tenant_context(buffer.tenant):  # related managers are tenant-scoped like every default manager
        buffer.employees.add(*employees)


def arrive(dovecot, imap_user, numbers):
    append_many(dovecot, imap_user.login, "INBOX", [invoice_mail(n) for n in numbers])


def poll(buffer):
    result = polling.poll_mailbox(buffer.mailbox_id, buffer_ids=[buffer.pk])
    assert result.error == ""
    return result


def digests(**filters):
    return Notification.all_tenants.filter(kind="new_mail", **filters).order_by("pk")


def test_a_poll_of_several_batches_sends_one_digest_per_permitted_employee(
    buffer, world_a, dovecot, imap_user, notification_mailbox, smtp_server, monkeypatch
):
    monkeypatch.setattr(polling, "BATCH_MAILS", 2)  # five mails: three store transactions
    notification_mailbox()
    arrive(dovecot, imap_user, range(5))
    assert poll(buffer).new_messages == {buffer.pk: 5}
    [digest] = digests()
    assert (digest.recipient, digest.count, digest.state) == (world_a.operator, 5, "queued")
    assert [m["subject"] for m in digest.context["latest"]] == [f"Faktura {n}/2026" for n in (4, 3, 2, 1, 0)]
    assert send_due() == {Outcome.SENT: 1}  # released when the poll ended, not after the hold
    [received] = smtp_server.wait_for_messages(1)
    assert received.rcpt_tos == ("operator@alpha.example",)
    text, html = parts(received)
    assert "5 new mails arrived in the buffer Faktury zakupowe." in text
    assert "Faktura 4/2026 (Dostawca <ksiegowosc@dostawca.example>)" in text
    assert "\nhttps://portal.example.com/\n" in text  # an operator's way in: the dashboard
    assert "Faktura 4/2026" in html


def test_the_next_poll_makes_a_new_digest_once_the_first_was_sent(
    buffer, world_a, dovecot, imap_user, notification_mailbox, smtp_server
):
    notification_mailbox()
    arrive(dovecot, imap_user, [1])
    poll(buffer)
    send_due()
    arrive(dovecot, imap_user, [2, 3])
    poll(buffer)
    assert [(d.count, d.state) for d in digests()] == [(1, "sent"), (2, "queued")]
    assert poll(buffer).new_messages == {buffer.pk: 0}  # an idle poll adds nothing
    assert digests().count() == 2


def test_digests_waiting_for_a_mailbox_grow_instead_of_multiplying(
    buffer, world_a, dovecot, imap_user, outgoing_box, smtp_server
):
    arrive(dovecot, imap_user, [1, 2])
    poll(buffer)
    assert send_due() == {Outcome.WAITING: 1}
    arrive(dovecot, imap_user, [3])
    poll(buffer)
    [digest] = digests()
    assert (digest.count, digest.state) == (3, "queued")
    assert "No notification mailbox" in in_english(digest.reason)

    choose_notification_mailbox(tenant=world_a.tenant, mailbox=outgoing_box())
    assert send_due() == {Outcome.SENT: 1}
    [received] = smtp_server.wait_for_messages(1)
    assert "3 new mails arrived" in parts(received)[0]


def test_recipients_are_active_employees_of_the_tenant_with_an_address_who_want_it(
    buffer, world_a, world_b, dovecot, imap_user
):
    left = another_employee(world_a, "left")
    left.is_active = False
    left.save()
    silent = another_employee(world_a, "silent")
    want(silent, new_mail=False)
    nameless = another_employee(world_a, "nameless", email="")
    from_points = another_employee(world_a, "from-points")
    grant(buffer, left, silent, nameless)
    # What acd_points registers: the employees of points fed by the buffer (may repeat buffer employees;
    # a buggy source returning another tenant's employee must not leak the mail to them).
    register_recipient_source(lambda b: [from_points.pk, world_a.operator.pk, world_b.operator.pk])
    arrive(dovecot, imap_user, [1])
    poll(buffer)
    assert sorted(d.to_address for d in digests()) == ["from-points@alpha.example", "operator@alpha.example"]


def test_an_administrator_is_linked_to_the_buffers_mail_in_the_admin_unless_a_registered_link_answers(
    buffer, world_a, dovecot, imap_user
):
    grant(buffer, world_a.admin)
    recipients.register_digest_link(lambda b, e: "/acd/points/3/" if e == world_a.operator else None)
    arrive(dovecot, imap_user, [1])
    poll(buffer)
    links = {d.recipient: d.link_path for d in digests()}
    assert links == {
        world_a.operator: "/acd/points/3/",
        world_a.admin: f"/admin/mailboxes/message/?buffer__id__exact={buffer.pk}",
    }


def test_a_digest_of_a_poll_that_died_is_held_only_until_the_hold_ends(buffer, world_a):
    raw = invoice_mail(1)
    mail = ingest.IncomingMail(1, 1, raw, None, len(raw), "fp")
    prepared = ingest.prepare(tenant_id=world_a.tenant.pk, buffer_id=buffer.pk, folder="INBOX", mail=mail)
    ingest.store(buffer, [prepared])  # the poll never gets to release it
    [digest] = digests()
    held = digest.next_attempt_at - timezone.now()
    assert timedelta(minutes=4) < held <= outbox.DIGEST_HOLD
    assert outbox.due() == []
