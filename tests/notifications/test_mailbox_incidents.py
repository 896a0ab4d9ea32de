"""Mailbox incidents tell the tenant's administrators once, and again when the mailbox recovers."""

from datetime import timedelta

from django.utils import timezone

from intake.reasons import in_english
from mailboxes.connections import state
from mailboxes.models import Buffer, Mailbox, Notification
from mailboxes.notifications import events
from mailboxes.notifications.sending import Outcome, send_due, send_notification
from mailboxes.notifications.tenant_settings import choose_notification_mailbox
from mailboxes.polling import poll
from mailboxes.protocols.errors import ConnectionRefused, SignInRequired, TimedOut
from tests.builders import another_employee, queue, want
from tests.mailboxes.test_microsoft_oauth import sign_in_through_the_admin
from tests.notifications.helpers import parts


def notices(kind="mailbox_problem", **filters):
    return list(Notification.all_tenants.filter(kind=kind, **filters).order_by("pk"))


def let_the_grace_pass():
    Notification.all_tenants.filter(state="queued").update(next_attempt_at=timezone.now())


def test_a_mailbox_needing_sign_in_tells_the_administrators_at_once_and_once(make_mailbox, world_a):
    mailbox = make_mailbox()
    quiet_admin = another_employee(world_a, "quiet-admin", role="administrator")
    want(quiet_admin, mailbox_problems=False)
    assert state.record_failure(mailbox, SignInRequired())
    assert not state.record_failure(mailbox, SignInRequired())  # the next polls: same incident
    assert not state.record_failure(mailbox, SignInRequired())
    [notice] = notices()
    assert (notice.recipient, notice.mailbox, notice.state) == (world_a.admin, mailbox, "queued")
    assert notice.next_attempt_at <= timezone.now()
    assert notice.context["state"] == "needs_sign_in"
    assert notice.link_path == f"/admin/mailboxes/mailbox/{mailbox.pk}/change/"


def test_a_failing_mailbox_is_news_only_if_it_keeps_failing(make_mailbox, world_a):
    mailbox = make_mailbox()
    state.record_failure(mailbox, TimedOut())
    [notice] = notices()
    wait = notice.next_attempt_at - timezone.now()
    assert events.INCIDENT_GRACE - timedelta(minutes=1) < wait <= events.INCIDENT_GRACE
    state.record_success(mailbox)  # the next poll worked: nobody needs to hear of it
    [notice] = notices()
    assert notice.state == "cancelled"
    assert notices("mailbox_recovered") == []


def test_failing_then_needing_sign_in_replaces_the_notice_still_waiting(make_mailbox, world_a):
    mailbox = make_mailbox()
    state.record_failure(mailbox, TimedOut())
    state.record_failure(mailbox, SignInRequired())
    assert [(n.context["state"], n.state) for n in notices()] == [
        ("failing", "cancelled"),
        ("needs_sign_in", "queued"),
    ]


def test_the_first_successful_test_of_a_new_mailbox_is_no_news(make_mailbox, world_a):
    assert state.record_success(make_mailbox(), resume_polling=True)
    assert not Notification.all_tenants.exists()


def test_administrators_told_of_a_problem_are_told_of_the_recovery(
    make_mailbox, world_a, notification_mailbox, smtp_server
):
    notification_mailbox()
    incoming = make_mailbox(name="Faktury")
    state.record_failure(incoming, ConnectionRefused())
    let_the_grace_pass()
    assert send_due() == {Outcome.SENT: 1}
    [problem] = smtp_server.wait_for_messages(1)
    assert problem.rcpt_tos == ("admin@alpha.example",)
    text, _ = parts(problem)
    assert "The mailbox Faktury (faktury@alpha.example) keeps failing." in text
    assert f"https://portal.example.com/admin/mailboxes/mailbox/{incoming.pk}/change/" in text

    smtp_server.clear()
    state.record_success(incoming)
    assert send_due() == {Outcome.SENT: 1}
    [recovered] = smtp_server.wait_for_messages(1)
    assert recovered.rcpt_tos == ("admin@alpha.example",)
    assert "The mailbox Faktury (faktury@alpha.example) works again." in parts(recovered)[0]
    state.record_success(incoming)
    assert len(notices("mailbox_recovered")) == 1


def test_polling_with_a_refused_password_opens_one_incident(make_mailbox, world_a, dovecot, imap_user):
    mailbox = make_mailbox(port=dovecot.imaps_port, login=imap_user.login, password="wrong")
    buffer = Buffer.all_tenants.create(tenant=world_a.tenant, name="Faktury", mailbox=mailbox)
    for _ in range(2):
        Buffer.all_tenants.filter(pk=buffer.pk).update(next_poll_at=timezone.now())
        assert "Authentication rejected" in poll.poll_mailbox(mailbox.pk).error
    [notice] = notices()
    assert (notice.recipient, notice.context["state"]) == (world_a.admin, "failing")


def test_token_expiry_while_sending_moves_the_mailbox_to_needs_sign_in_and_tells_administrators_once(
    oauth_sender, ms_authority, world_a, client_for, smtp_server
):
    choose_notification_mailbox(tenant=world_a.tenant, mailbox=oauth_sender)
    sign_in_through_the_admin(client_for(world_a.admin), oauth_sender, ms_authority)
    assert send_notification(queue(world_a, title="first").pk) == Outcome.SENT
    [first] = smtp_server.wait_for_messages(1)
    assert (first.auth_mechanism, first.login) == ("XOAUTH2", oauth_sender.email_address)

    ms_authority.expire_access_tokens(username=oauth_sender.email_address)
    ms_authority.expire_refresh_tokens(username=oauth_sender.email_address)
    waiting = queue(world_a, title="second")
    assert send_notification(waiting.pk) == Outcome.WAITING
    oauth_sender.refresh_from_db()
    assert oauth_sender.state == Mailbox.State.NEEDS_SIGN_IN
    [notice] = notices()
    assert (notice.recipient, notice.context["state"]) == (world_a.admin, "needs_sign_in")
    # The notice is about the notification mailbox itself: it cannot go, so it waits, visibly; and
    # nobody signs in with refused tokens again and again meanwhile.
    for _ in range(3):
        Notification.all_tenants.filter(state="queued").update(next_attempt_at=timezone.now())
        assert send_due() == {Outcome.WAITING: 2}
    assert len(notices()) == 1
    notice.refresh_from_db()
    assert (notice.state, notice.attempts) == ("queued", 0)
    assert "needs signing in again" in in_english(notice.reason)
    assert len(smtp_server.messages) == 1

    # An administrator signs in again: the notice is no longer true, the waiting mail goes.
    sign_in_through_the_admin(client_for(world_a.admin), oauth_sender, ms_authority)
    notice.refresh_from_db()
    assert notice.state == "cancelled"
    assert send_due() == {Outcome.SENT: 1}
    [second] = [m for m in smtp_server.wait_for_messages(2) if m is not first]
    assert second.auth_mechanism == "XOAUTH2"
    assert "second" in parts(second)[0]
    assert Notification.all_tenants.get(pk=waiting.pk).state == "sent"
