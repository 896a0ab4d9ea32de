"""A failing mailbox is visible where people work: the operators' banners, the administrators' panel, the
mailbox page; polling that stopped is reported at once; a mailbox waiting for its first sign-in is no
incident."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from mailboxes.connections import state
from mailboxes.connections.checking import check_connection
from mailboxes.models import Buffer, Mailbox, Notification
from mailboxes.notifications import events
from mailboxes.polling.poll import poll_mailbox
from mailboxes.protocols.errors import AuthenticationRejected, TimedOut
from tests import builders
from tests.mailboxes.test_microsoft_oauth import sign_in_through_the_admin

REFUSED = "Authentication rejected: the server refused the login or password."
REFUSED_PL = "Uwierzytelnianie odrzucone: serwer nie przyjął loginu lub hasła."
POLISH = {"headers": {"accept-language": "pl"}}


def _problems():
    return list(Notification.all_tenants.filter(kind="mailbox_problem").order_by("pk"))


def _stopped(mailbox):
    """What a poll records on each refused login, until polling stops."""
    with translation.override("en"):
        for _ in range(state.AUTH_FAILURE_LIMIT):
            state.record_poll_failure(mailbox, AuthenticationRejected())
    Buffer.all_tenants.filter(mailbox=mailbox).update(last_error=REFUSED)


@pytest.fixture
def refused(world_a):
    """Tenant alpha's point "Faktury kosztowe" on a buffer whose mailbox stopped polling (refused logins),
    last polled successfully an hour ago; the operator is granted the point."""
    mailbox = builders.make_remote_mailbox(world_a.tenant, name="Faktury", password="x")
    buffer = builders.make_buffer(
        world_a.tenant, name="Invoices", mailbox=mailbox, last_polled_at=timezone.now() - timedelta(hours=1)
    )
    point = builders.make_acd_point(
        world_a.tenant, buffer=buffer, name="Faktury kosztowe", employees=[world_a.operator]
    )
    _stopped(mailbox)
    return point


def _page(client, url, **options) -> str:
    response = client.get(url, **options)
    assert response.status_code == 200
    return response.content.decode()


# -- reported at once -------------------------------------------------------------------------------------


def test_a_poll_refused_until_polling_stops_is_reported_at_once(make_mailbox, world_a, dovecot, imap_user):
    mailbox = make_mailbox(port=dovecot.imaps_port, login=imap_user.login, password="wrong")
    buffer = Buffer.all_tenants.create(tenant=world_a.tenant, name="Faktury", mailbox=mailbox)
    assert "Authentication rejected" in poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk]).error
    [waiting] = _problems()
    assert waiting.next_attempt_at > timezone.now() + events.INCIDENT_GRACE - timedelta(minutes=1)
    for _ in range(state.AUTH_FAILURE_LIMIT - 1):
        assert "Authentication rejected" in poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk]).error
    assert poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk]).skipped == "needs attention"
    waiting.refresh_from_db()
    assert waiting.state == "cancelled"  # replaced by the notice that polling stopped, due now
    [notice] = [n for n in _problems() if n.state == "queued"]
    assert notice.context["polling_stopped"] and notice.recipient == world_a.admin
    assert notice.next_attempt_at <= timezone.now()


def test_a_passing_failure_keeps_its_grace_and_counts_no_login(world_a):
    mailbox = builders.make_remote_mailbox(world_a.tenant, name="Faktury", password="x")
    for _ in range(state.AUTH_FAILURE_LIMIT + 1):
        state.record_poll_failure(mailbox, TimedOut())
    [notice] = _problems()
    assert notice.next_attempt_at > timezone.now() + timedelta(minutes=5)
    assert not notice.context["polling_stopped"]
    assert Mailbox.all_tenants.get(pk=mailbox.pk).auth_failures == 0


# -- where people work ------------------------------------------------------------------------------------


def test_operators_see_the_banner_on_the_area_and_the_point(client_for, world_a, refused):
    operator = client_for(world_a.operator)
    for url in (reverse("acd:area"), reverse("acd:point", args=[refused.pk])):
        page = _page(operator, url)
        assert 'class="problems mail-not-arriving"' in page
        assert "Mail from faktury@alpha.example is not arriving since " in page
        assert REFUSED in page and "Polling is stopped until an administrator fixes the mailbox." in page
    assert "<strong>Faktury kosztowe</strong>" in _page(operator, reverse("acd:area"))
    # A buffer's own list (administrators) says it too.
    page = _page(client_for(world_a.admin), reverse("acd:buffer", args=[refused.buffer_id]))
    assert "Mail from faktury@alpha.example is not arriving" in page


def test_the_banner_speaks_polish(client_for, world_a, refused):
    page = _page(client_for(world_a.operator), reverse("acd:point", args=[refused.pk]), **POLISH)
    assert 'class="problems mail-not-arriving"' in page
    assert REFUSED_PL in page and REFUSED not in page


def test_a_working_point_has_no_banner(client_for, world_a, buffer_a):
    point = builders.make_acd_point(world_a.tenant, buffer=buffer_a, employees=[world_a.operator])
    assert "mail-not-arriving" not in _page(
        client_for(world_a.operator), reverse("acd:point", args=[point.pk])
    )


def test_the_admin_dashboard_lists_what_needs_attention(client_for, world_a, refused):
    folderless = builders.another_buffer(world_a)
    Buffer.all_tenants.filter(pk=folderless.pk).update(last_error="Folder not found (Faktury/2026)")
    admin = client_for(world_a.admin)
    page = _page(admin, reverse("admin:index"))
    assert 'id="needs-attention"' in page and "Needs attention" in page
    mailbox_url = reverse("admin:mailboxes_mailbox_change", args=[refused.buffer.mailbox_id])
    assert f'<a href="{mailbox_url}">Faktury</a>' in page and "polling is stopped" in page
    assert reverse("admin:mailboxes_buffer_change", args=[folderless.pk]) in page
    assert "Folder not found (Faktury/2026)" in page
    assert 'id="needs-attention"' in _page(admin, reverse("dashboard"))
    polish = _page(admin, reverse("admin:index"), **POLISH)
    assert REFUSED_PL in polish and REFUSED not in polish


def test_nothing_needs_attention_on_a_working_tenant(client_for, world_a, buffer_a):
    assert 'id="needs-attention"' not in _page(client_for(world_a.admin), reverse("admin:index"))
    # Operators get no administrators' panel, whatever fails.
    _stopped(buffer_a.mailbox)
    assert 'id="needs-attention"' not in _page(client_for(world_a.operator), reverse("dashboard"))


def test_each_tenant_sees_only_its_own(client_for, world_a, world_b, refused):
    beta_point = builders.make_acd_point(
        world_b.tenant, buffer=builders.another_buffer(world_b), employees=[world_b.operator]
    )
    assert "mail-not-arriving" not in _page(client_for(world_b.operator), reverse("acd:area"))
    assert "mail-not-arriving" not in _page(
        client_for(world_b.operator), reverse("acd:point", args=[beta_point.pk])
    )
    assert 'id="needs-attention"' not in _page(client_for(world_b.admin), reverse("admin:index"))
    _stopped(beta_point.buffer.mailbox)
    page = _page(client_for(world_b.admin), reverse("admin:index"))
    assert beta_point.buffer.mailbox.name in page and "faktury@alpha.example" not in page


def test_the_mailbox_page_says_polling_stopped_and_why(admin_client, refused):
    url = reverse("admin:mailboxes_mailbox_change", args=[refused.buffer.mailbox_id])
    page = _page(admin_client, url)
    assert (
        "Polling is stopped after 3 authentication failures in a row: Authentication rejected: the server "
        "refused the login or password; fix the mailbox and press Test connection." in page
    )
    assert REFUSED_PL in _page(admin_client, url, **POLISH)


def test_the_mailbox_page_says_since_when_polling_fails(admin_client, world_a):
    mailbox = builders.make_remote_mailbox(world_a.tenant, name="Faktury", password="x")
    polled = timezone.now() - timedelta(hours=2)
    builders.make_buffer(world_a.tenant, name="Invoices", mailbox=mailbox, last_polled_at=polled)
    with translation.override("en"):
        state.record_poll_failure(mailbox, TimedOut())
    page = _page(admin_client, reverse("admin:mailboxes_mailbox_change", args=[mailbox.pk]))
    assert "Polling is failing since " in page and "(the last successful poll): Timed out" in page
    assert "Polling is stopped" not in page


# -- the first sign-in ------------------------------------------------------------------------------------


def test_a_mailbox_waiting_for_its_first_sign_in_is_no_incident(
    oauth_box, admin_client, world_a, ms_authority
):
    mailbox = oauth_box()
    assert check_connection(mailbox).kind == "sign_in_required"
    assert check_connection(Mailbox.all_tenants.get(pk=mailbox.pk)).kind == "sign_in_required"
    stored = Mailbox.all_tenants.get(pk=mailbox.pk)
    assert (stored.state, stored.last_error) == (Mailbox.State.NEEDS_SIGN_IN, state.FIRST_SIGN_IN)
    assert _problems() == []
    url = reverse("admin:mailboxes_mailbox_change", args=[mailbox.pk])
    assert "waiting for its first sign-in" in _page(admin_client, url)
    assert "waiting for its first sign-in" in _page(admin_client, reverse("admin:index"))

    sign_in_through_the_admin(admin_client, mailbox, ms_authority)
    assert Mailbox.all_tenants.get(pk=mailbox.pk).state == Mailbox.State.READY
    assert not Notification.all_tenants.filter(kind__startswith="mailbox_").exists()  # no "recovered" either


def test_a_signed_in_mailbox_losing_its_sign_in_is_still_an_incident(
    oauth_box, admin_client, world_a, ms_authority, oauth_mail_user
):
    mailbox = oauth_box()
    sign_in_through_the_admin(admin_client, mailbox, ms_authority)
    ms_authority.expire_access_tokens(username=oauth_mail_user.login)
    ms_authority.expire_refresh_tokens(username=oauth_mail_user.login)
    assert check_connection(Mailbox.all_tenants.get(pk=mailbox.pk)).kind == "sign_in_required"
    [notice] = _problems()
    assert notice.context["state"] == "needs_sign_in" and notice.next_attempt_at <= timezone.now()
