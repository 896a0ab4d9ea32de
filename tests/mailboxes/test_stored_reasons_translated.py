"""Reasons the portal stores are shown in the reader's language, details included: coded reasons from
every writer (connection checks, polls, notifications, follow-up work), and plain English rows of old."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from acd_points import follow_up
from intake import reasons
from intake.storage_faults import StorageFault
from mailboxes.connections import state
from mailboxes.connections.checking import check_connection
from mailboxes.models import Buffer, Mailbox, Notification
from mailboxes.notifications.sending import send_notification
from mailboxes.polling import poll
from mailboxes.polling.poll import poll_mailbox
from mailboxes.protocols.errors import FetchingInterrupted, TimedOut
from mailboxes.templatetags.stored_mail import in_reader_language
from tests import builders

REFUSED = "Authentication rejected: the server refused the login or password."
REFUSED_PL = "Uwierzytelnianie odrzucone: serwer nie przyjął loginu lub hasła."
POLISH = {"headers": {"accept-language": "pl"}}


def _stored(error) -> str:
    with translation.override("en"):
        return str(error)


def _page(client, url, **options) -> str:
    response = client.get(url, **options)
    assert response.status_code == 200
    return response.content.decode()


def test_a_fixed_reason_with_details_stored_as_text_of_old_is_translated_and_keeps_its_details():
    timed_out = _stored(TimedOut(detail="imap.example.com:993 (after 20 s)"))
    interrupted = _stored(FetchingInterrupted(detail="SIGKILL"))  # its own text holds " (" already
    with translation.override("pl"):
        assert in_reader_language(timed_out).endswith(" (imap.example.com:993 (after 20 s))")
        assert not in_reader_language(timed_out).startswith("Timed out")
        assert in_reader_language(interrupted).startswith("Proces pobierający poczty w portalu")
        assert in_reader_language(interrupted).endswith("(SIGKILL)")
        assert in_reader_language(_stored(StorageFault(28))).startswith("Magazyn plików portalu jest pełny")
        # A server's own words have no translation: shown as written.
        assert in_reader_language("NO [ALERT] mailbox over quota (x)") == "NO [ALERT] mailbox over quota (x)"


@pytest.fixture
def refused_mailbox(make_mailbox, world_a, dovecot, imap_user):
    """A real Dovecot login refused: once by the connection test, then by a poll of its buffer."""
    mailbox = make_mailbox(port=dovecot.imaps_port, login=imap_user.login, password="wrong")
    buffer = Buffer.all_tenants.create(
        tenant=world_a.tenant, name="Faktury", mailbox=mailbox, last_polled_at=timezone.now()
    )
    builders.make_acd_point(world_a.tenant, buffer=buffer, name="Koszty", employees=[world_a.operator])
    assert not check_connection(mailbox).ok
    poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk])
    return Mailbox.all_tenants.get(pk=mailbox.pk), Buffer.all_tenants.get(pk=buffer.pk)


def test_a_refused_login_is_stored_as_a_code_with_the_servers_words(refused_mailbox):
    mailbox, buffer = refused_mailbox
    for stored in (mailbox.last_error, buffer.last_error):
        reason = reasons.decode(stored)
        assert reason.code == "mail.authentication_rejected"
        assert "AUTHENTICATIONFAILED" in reason.params["detail"] and "b'" not in reason.params["detail"]


def test_the_needs_attention_panel_and_the_banner_speak_the_readers_language(
    refused_mailbox, client_for, world_a
):
    admin, operator = client_for(world_a.admin), client_for(world_a.operator)
    polish = _page(admin, reverse("admin:index"), **POLISH)
    assert REFUSED_PL in polish and REFUSED not in polish and "AUTHENTICATIONFAILED" in polish
    assert "$reason" not in polish
    english = _page(admin, reverse("admin:index"))
    assert REFUSED in english and REFUSED_PL not in english
    banner = _page(operator, reverse("acd:area"), **POLISH)
    assert 'class="problems mail-not-arriving"' in banner and REFUSED_PL in banner and REFUSED not in banner
    mailbox_page = _page(
        admin, reverse("admin:mailboxes_mailbox_change", args=[refused_mailbox[0].pk]), **POLISH
    )
    assert REFUSED_PL in mailbox_page and REFUSED not in mailbox_page


def test_old_plain_rows_still_show_beside_coded_ones(client_for, world_a, buffer_a):
    Buffer.all_tenants.filter(pk=buffer_a.pk).update(last_error=f"{REFUSED} (NO [AUTHENTICATIONFAILED])")
    page = _page(client_for(world_a.admin), reverse("admin:index"), **POLISH)
    assert f"{REFUSED_PL} (NO [AUTHENTICATIONFAILED])" in page


def test_hostile_details_are_escaped_and_bounded_on_the_page(client_for, world_a, buffer_a):
    error = TimedOut(detail="<img src=x onerror=alert(1)>" + "x" * 1_000_000)
    Buffer.all_tenants.filter(pk=buffer_a.pk).update(last_error=error.stored())
    assert len(Buffer.all_tenants.get(pk=buffer_a.pk).last_error) <= 1000
    page = _page(client_for(world_a.admin), reverse("admin:index"), **POLISH)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "Przekroczono czas" in page


def test_storage_faults_are_stored_as_codes():
    assert reasons.render(poll.stored_reason(StorageFault(28)), "pl").startswith("Magazyn plików portalu")
    assert reasons.decode(poll.stored_reason(StorageFault(13))).code == "storage.not_writable"


def test_a_first_sign_in_of_old_is_still_recognised(world_a):
    mailbox = builders.make_remote_mailbox(world_a.tenant, name="Entra", password="x")
    mailbox.state, mailbox.last_error = Mailbox.State.NEEDS_SIGN_IN, state.FIRST_SIGN_IN_AS_TEXT
    assert state.awaiting_first_sign_in(mailbox)
    mailbox.last_error = state.FIRST_SIGN_IN
    assert state.awaiting_first_sign_in(mailbox)


def test_a_waiting_notifications_reason_is_shown_in_polish(client_for, world_a):
    notification = builders.queue(world_a)
    assert send_notification(notification.pk) == "waiting"  # no notification mailbox is set
    stored = Notification.all_tenants.get(pk=notification.pk).reason
    assert reasons.decode(stored).code == "notification.no_mailbox"
    page = _page(client_for(world_a.admin), reverse("mailboxes:notification-settings"), **POLISH)
    assert reasons.render(stored, "pl") in page and "No notification mailbox is set: a company" not in page
    assert "No notification mailbox is set: a company" in _page(
        client_for(world_a.admin), reverse("mailboxes:notification-settings")
    )


def test_follow_up_failures_are_codes_with_the_folder():
    stored = follow_up.COPY_FAILED.stored(folder="Faktury/<2026>", detail="PermissionError: denied")
    assert reasons.render(stored, "en") == (
        "The file could not be copied into the folder Faktury/<2026>. (PermissionError: denied)"
    )
