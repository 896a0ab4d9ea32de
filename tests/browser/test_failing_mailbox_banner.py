"""In a real browser: a mailbox that stopped polling shows on the operator's point and on the
administrators' dashboard."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from mailboxes.connections import state
from mailboxes.models import Buffer
from mailboxes.protocols.errors import AuthenticationRejected
from tests.builders import PASSWORD, make_acd_point

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_stopped_mailbox_is_shown_to_the_operator_and_the_administrator(
    login, live_server, screenshot, world_a, buffer_a
):
    point = make_acd_point(
        world_a.tenant, buffer=buffer_a, name="Faktury kosztowe", employees=[world_a.operator]
    )
    with translation.override("en"):  # as the poll records it
        for _ in range(state.AUTH_FAILURE_LIMIT):
            state.record_poll_failure(buffer_a.mailbox, AuthenticationRejected())
    polled = timezone.now() - timedelta(hours=1)  # its last successful poll
    Buffer.all_tenants.filter(pk=buffer_a.pk).update(
        last_error=buffer_a.mailbox.last_error, last_polled_at=polled
    )

    operator = login(world_a.operator, PASSWORD)
    operator.click("text=ACD")
    banner = operator.locator(".mail-not-arriving")
    assert banner.count() == 1 and banner.is_visible()
    assert "Faktury kosztowe" in banner.inner_text()
    operator.click(f"a:has-text('{point.name}')")
    banner = operator.locator(".mail-not-arriving")
    text = banner.inner_text()
    assert "Mail from faktury@alpha.example is not arriving since " in text
    assert "Authentication rejected" in text and "Polling is stopped" in text
    # Seen above the list, not hidden below it.
    assert banner.bounding_box()["y"] < operator.locator("table.mail-list").bounding_box()["y"]
    screenshot(operator, "failing-mailbox-banner")

    admin = login(world_a.admin, PASSWORD)
    admin.goto(f"{live_server.url}/admin/")
    panel = admin.locator("#needs-attention")
    assert panel.is_visible() and "polling is stopped" in panel.inner_text()
    screenshot(admin, "failing-mailbox-admin-dashboard")
    panel.locator(f"a:has-text('{buffer_a.mailbox.name}')").click()
    line = admin.locator(".polling-status")
    assert "Polling is stopped after 3 authentication failures in a row" in line.inner_text()
    screenshot(admin, "failing-mailbox-page")
