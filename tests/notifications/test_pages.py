"""The preferences page (every employee), the notification settings page (tenant administrators), and the
outbox in the admin."""

from django.urls import reverse

from mailboxes.models import Mailbox, Notification, NotificationPreference, NotificationSettings
from mailboxes.notifications import outbox
from mailboxes.notifications.sending import Outcome, send_due, send_notification
from tests.builders import another_employee, queue

PREFERENCES = reverse("mailboxes:notification-preferences")
SETTINGS = reverse("mailboxes:notification-settings")
OUTBOX = reverse("admin:mailboxes_notification_changelist")


def test_an_employee_turns_each_kind_on_or_off(world_a, client_for):
    client = client_for(world_a.operator)
    page = client.get(PREFERENCES)
    assert page.status_code == 200
    assert page.context["form"].initial["new_mail"] is True
    assert page.context["form"].initial["document_generated"] is False
    response = client.post(PREFERENCES, {"document_generated": "on"})  # new mail: unticked
    assert response.status_code == 302
    saved = NotificationPreference.all_tenants.get(employee=world_a.operator)
    assert (saved.tenant, saved.new_mail, saved.document_generated) == (world_a.tenant, False, True)


def test_only_administrators_are_offered_mailbox_problems(world_a, client_for):
    assert "mailbox_problems" not in client_for(world_a.operator).get(PREFERENCES).context["form"].fields
    client = client_for(world_a.admin)
    assert "mailbox_problems" in client.get(PREFERENCES).context["form"].fields
    client.post(PREFERENCES, {"new_mail": "on"})
    assert NotificationPreference.all_tenants.get(employee=world_a.admin).mailbox_problems is False


def test_the_profile_links_to_the_notification_pages(world_a, client_for):
    operator_page = client_for(world_a.operator).get(reverse("profile")).content.decode()
    assert PREFERENCES in operator_page and SETTINGS not in operator_page
    admin_page = client_for(world_a.admin).get(reverse("profile")).content.decode()
    assert PREFERENCES in admin_page and SETTINGS in admin_page


def test_the_settings_page_is_for_tenant_administrators_only(world_a, client_for):
    assert client_for(world_a.operator).get(SETTINGS).status_code == 403
    assert client_for(world_a.operator).post(SETTINGS, {}).status_code == 403
    assert client_for(world_a.admin).get(SETTINGS).status_code == 200


def test_only_the_companys_own_outgoing_mailboxes_can_be_chosen(world_a, world_b, client_for, outgoing_box):
    own = outgoing_box(name="Powiadomienia")
    incoming = outgoing_box(name="Faktury", purpose=Mailbox.Purpose.INCOMING)
    foreign = Mailbox.all_tenants.create(
        tenant=world_b.tenant,
        name="Beta",
        purpose=Mailbox.Purpose.OUTGOING,
        host="smtp.example.com",
        email_address="x@beta.example",
    )
    client = client_for(world_a.admin)
    assert list(client.get(SETTINGS).context["form"].fields["mailbox"].queryset) == [own]
    for refused in (foreign, incoming):
        response = client.post(SETTINGS, {"mailbox": refused.pk, "language": ""})
        assert response.status_code == 200 and "mailbox" in response.context["form"].errors
    assert not NotificationSettings.all_tenants.exists()
    assert client.post(SETTINGS, {"mailbox": own.pk, "language": "pl"}).status_code == 302
    chosen = NotificationSettings.all_tenants.get()
    assert (chosen.tenant, chosen.mailbox, chosen.language) == (world_a.tenant, own, "pl")


def test_choosing_a_mailbox_on_the_page_sends_what_was_waiting(
    world_a, client_for, outgoing_box, smtp_server
):
    waiting = queue(world_a)
    assert send_notification(waiting.pk) == Outcome.WAITING
    client = client_for(world_a.admin)
    page = client.get(SETTINGS).content.decode()
    assert "No notification mailbox is set: 1 notification is waiting." in page
    assert "No notification mailbox is set: a company administrator chooses one" in page  # the row's reason
    client.post(SETTINGS, {"mailbox": outgoing_box().pk, "language": ""})
    assert send_due() == {Outcome.SENT: 1}
    assert smtp_server.wait_for_messages(1)[0].rcpt_tos == ("operator@alpha.example",)


def test_the_settings_page_shows_only_the_companys_own_notifications(world_a, world_b, client_for):
    queue(world_a, title="alpha's")
    queue(world_b)
    recent = client_for(world_a.admin).get(SETTINGS).context["recent"]
    assert [n.tenant_id for n in recent] == [world_a.tenant.pk]


def test_administrators_see_state_attempts_and_reason_in_the_outbox(world_a, world_b, client_for):
    failed = queue(world_a)
    Notification.all_tenants.filter(pk=failed.pk).update(
        state="failed", attempts=8, reason="Connection refused: nothing accepts connections on that port."
    )
    queue(world_b)
    response = client_for(world_a.admin).get(OUTBOX)
    assert list(response.context["cl"].queryset) == [Notification.all_tenants.get(pk=failed.pk)]
    page = response.content.decode()
    assert "Connection refused" in page and "failed" in page


def test_retry_now_in_the_admin_requeues_failed_notifications(world_a, client_for):
    failed = queue(world_a)
    Notification.all_tenants.filter(pk=failed.pk).update(state="failed", attempts=outbox.MAX_ATTEMPTS)
    response = client_for(world_a.admin).post(
        OUTBOX, {"action": "retry_now", "_selected_action": [failed.pk]}, follow=True
    )
    assert "1 notification will be sent again" in response.content.decode()
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == ("queued", 0)


def test_retry_now_cannot_reach_another_tenants_notifications(world_a, world_b, client_for):
    foreign = queue(world_b)
    Notification.all_tenants.filter(pk=foreign.pk).update(state="failed")
    client_for(world_a.admin).post(OUTBOX, {"action": "retry_now", "_selected_action": [foreign.pk]})
    foreign.refresh_from_db()
    assert foreign.state == "failed"


def test_deleting_an_employee_who_got_notifications_deletes_them_too(world_a, client_for):
    clerk = another_employee(world_a, "clerk")
    queue(world_a, recipient=clerk)
    response = client_for(world_a.admin).post(
        reverse("admin:intake_employee_delete", args=[clerk.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Notification.all_tenants.filter(recipient_id=clerk.pk).exists()


def test_the_settings_page_warns_when_the_notification_mailbox_needs_signing_in(
    world_a, client_for, notification_mailbox
):
    mailbox = notification_mailbox()
    Mailbox.all_tenants.filter(pk=mailbox.pk).update(state=Mailbox.State.NEEDS_SIGN_IN)
    page = client_for(world_a.admin).get(SETTINGS).content.decode()
    assert f"The notification mailbox {mailbox.name} is not working (needs sign-in)" in page
    assert reverse("admin:mailboxes_mailbox_change", args=[mailbox.pk]) in page
