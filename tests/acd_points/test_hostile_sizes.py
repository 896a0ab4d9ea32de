"""Hostile sizes: text outsiders control is bounded wherever it is shown.

Intake caps what it stores now, but rows stored before it did exist: a mail whose subject, recipients and
body text are 20 MB each. Every page, admin page, API answer and notification mail showing it must stay
small and answer.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from acd_points.generate import generate_documents
from mailboxes.models import Attachment, Mailbox, Message, Notification
from mailboxes.notifications import compose, outbox
from tests.api.client import api_client
from tests.builders import issue_token, make_remote_mailbox

MEGABYTES_20 = 20 * 1024 * 1024
SMALL = 300_000  # bytes a page may have, with all its markup
HUGE_SUBJECT = "Z" * MEGABYTES_20  # no space: truncating by words cuts nothing
HUGE_RECIPIENTS = ", ".join(["ksiegowosc@dostawca.example"] * (MEGABYTES_20 // 29))
HUGE_DEFECTS = "\n".join(["line too long, kept as written"] * 100_000)
HUGE_REASON = "R" * 2_000_000


@pytest.fixture
def point(make_point, world_a):
    return make_point(
        employees=[world_a.operator],
        show_subject=True,
        show_sender=True,
        show_received=True,
        allow_documents_without_files=True,
    )


@pytest.fixture
def huge_mail(buffer_a, world_a):
    """A mail as stored before intake capped anything."""
    message = Message.all_tenants.create(
        tenant=world_a.tenant,
        buffer=buffer_a,
        folder="INBOX",
        uidvalidity=1,
        uid=1,
        fingerprint="huge",
        subject=HUGE_SUBJECT,
        sender="Dostawca <ksiegowosc@dostawca.example>",
        recipients=HUGE_RECIPIENTS,
        received_at=timezone.now(),
        size=3 * MEGABYTES_20,
        raw="huge.eml",
        body_text="B" * MEGABYTES_20,
        defects=HUGE_DEFECTS,
        unreadable_reason=HUGE_REASON,
    )
    Attachment.all_tenants.create(
        tenant=world_a.tenant,
        message=message,
        position=1,
        display_name="paczka.zip",
        file="huge/paczka.zip",
        size=10,
        sha256="0" * 64,
        sniffed_type="application/zip",
        role=Attachment.Role.CONTAINER,
        problem=Attachment.Problem.UNREADABLE,
        problem_detail=HUGE_REASON,
    )
    return message


def assert_small(response):
    assert response.status_code == 200
    body = response.content if not response.streaming else b"".join(response.streaming_content)
    assert len(body) < SMALL, f"{len(body):,} bytes"
    return body.decode()


def test_the_mail_list_stays_small(point, huge_mail, client_for, world_a):
    page = assert_small(client_for(world_a.operator).get(reverse("acd:point", args=[point.pk])))
    assert "ZZZZ" in page


def test_the_mail_page_stays_small(point, huge_mail, client_for, world_a):
    page = assert_small(client_for(world_a.operator).get(reverse("acd:mail", args=[point.pk, huge_mail.pk])))
    assert "ZZZZ" in page and "paczka.zip" in page


def test_the_document_pages_stay_small(point, huge_mail, client_for, world_a):
    Message.all_tenants.filter(pk=huge_mail.pk).update(state=Message.State.NEW, unreadable_reason="")
    [document_id] = generate_documents(
        point=point, message_ids=[huge_mail.pk], employee=world_a.operator
    ).created
    client = client_for(world_a.operator)
    assert "ZZZZ" in assert_small(client.get(reverse("acd:document", args=[document_id])))
    assert "ZZZZ" in assert_small(client.get(reverse("acd:documents")))


def test_the_admin_list_and_change_pages_stay_small(huge_mail, client_for, world_a):
    client = client_for(world_a.admin)
    assert "ZZZZ" in assert_small(client.get(reverse("admin:mailboxes_message_changelist")))
    page = assert_small(client.get(reverse("admin:mailboxes_message_change", args=[huge_mail.pk])))
    assert "ZZZZ" in page and "ksiegowosc@dostawca.example" in page and "line too long" in page


def test_the_admin_action_reading_again_still_works_on_such_a_mail(huge_mail, client_for, world_a):
    response = client_for(world_a.admin).post(
        reverse("admin:mailboxes_message_changelist"),
        {"action": "read_again", "_selected_action": [huge_mail.pk]},
        follow=True,
    )
    assert "1 mails read again" not in assert_small(response)  # its original is missing: told, not read
    assert Message.all_tenants.get(pk=huge_mail.pk).subject == HUGE_SUBJECT


def test_the_api_list_and_detail_stay_small(point, huge_mail, world_a):
    _, raw = issue_token(world_a.operator)
    client = api_client(raw)
    listed = client.get(reverse("api:point-mails", args=[point.pk]))
    assert_small(listed)
    [mail] = listed.json()["results"]
    assert mail["subject"].startswith("ZZZZ") and len(mail["subject"]) <= Message.SUBJECT_LIMIT
    assert 0 < len(mail["defects"]) <= 200
    assert len(mail["attachments"][0]["problem_detail"]) <= 2000
    detail = client.get(reverse("api:point-mail", args=[point.pk, huge_mail.pk]))
    assert_small(detail)
    assert len(detail.json()["recipients"]) <= Message.RECIPIENTS_LIMIT
    assert len(detail.json()["unreadable_reason"]) <= 2000


def test_a_digest_naming_such_mails_stays_small(huge_mail, buffer_a, world_a):
    # A digest recorded before events capped its samples; file names as a future digest may carry them.
    latest = [{"subject": HUGE_SUBJECT, "sender": HUGE_REASON, "files": [HUGE_REASON] * 3}]
    latest += [{"subject": "S" * 100_000, "sender": "s", "files": ["faktura.pdf"] * 1000}] * 40
    notification = Notification.all_tenants.create(
        tenant=world_a.tenant,
        kind=Notification.Kind.NEW_MAIL,
        recipient=world_a.operator,
        to_address=world_a.operator.email,
        buffer=buffer_a,
        count=50,
        context={"buffer": HUGE_SUBJECT, "latest": latest},
        message_id=outbox.new_message_id(),
    )
    notification = Notification.all_tenants.select_related("tenant", "recipient__user").get(
        pk=notification.pk
    )
    mailbox = make_remote_mailbox(world_a.tenant, name="Powiadomienia", password="x")
    message = compose.build(notification, mailbox, language="en")
    assert len(message.as_bytes()) < SMALL
    assert len(message["Subject"]) <= compose.SUBJECT_LENGTH
    text = message.get_body(("plain",)).get_content()
    assert "ZZZZ" in text


def test_the_notification_settings_page_stays_small(huge_mail, world_a, client_for):
    Notification.all_tenants.create(
        tenant=world_a.tenant,
        kind=Notification.Kind.DOCUMENT_GENERATED,
        recipient=world_a.operator,
        to_address=world_a.operator.email,
        state=Notification.State.FAILED,
        reason=HUGE_REASON,
        context={"title": HUGE_SUBJECT},
        message_id=outbox.new_message_id(),
    )
    page = assert_small(client_for(world_a.admin).get(reverse("mailboxes:notification-settings")))
    assert "RRRR" in page


def test_the_mailbox_admin_page_stays_small_with_a_huge_last_error(world_a, client_for):
    # A server's reply text, stored whole as the mailbox's last error.
    mailbox = make_remote_mailbox(world_a.tenant, name="Faktury 2", password="x")
    Mailbox.all_tenants.filter(pk=mailbox.pk).update(last_error=HUGE_REASON * 10, state=Mailbox.State.FAILING)
    page = assert_small(
        client_for(world_a.admin).get(reverse("admin:mailboxes_mailbox_change", args=[mailbox.pk]))
    )
    assert "RRRR" in page
