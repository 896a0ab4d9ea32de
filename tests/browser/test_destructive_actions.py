"""In a real browser without JavaScript: "Delete from list and mailbox" asks first (count and mailbox
named), Cancel keeps the mail, Confirm deletes it; "Delete from list" is undone with Removed and Restore."""

import pytest

from mailboxes.models import Message
from tests.builders import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def served_point(served_buffer, world_a, make_point):
    buffer, _, _ = served_buffer(numbers=(1, 2))
    return make_point(buffer=buffer, allow_delete_from_mailbox=True, employees=[world_a.operator])


def _operator_without_javascript(browser, live_server, world_a):
    page = browser.new_context(java_script_enabled=False, locale="en-GB").new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", world_a.operator.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def _mail(subject):
    return Message.all_tenants.get(subject=subject)


def test_delete_asks_first_and_remove_can_be_undone(browser, live_server, screenshot, world_a, served_point):
    page = _operator_without_javascript(browser, live_server, world_a)
    page.goto(f"{live_server.url}/acd/points/{served_point.pk}/")
    first, second = _mail("Faktura 1/2026"), _mail("Faktura 2/2026")

    page.check(f"input[name=mail][value='{first.pk}']")
    page.click("button[value=delete_on_server]")
    question = page.locator(".confirm-question").inner_text()
    mailbox = served_point.buffer.mailbox
    assert question == (
        f"Delete 1 mail from the list and from the mailbox {mailbox.name} ({mailbox.email_address})? "
        "This cannot be undone."
    )
    screenshot(page, "confirm-delete-from-mailbox")
    page.click("a.cancel")
    assert _mail("Faktura 1/2026").state == Message.State.NEW
    page.check(f"input[name=mail][value='{first.pk}']")
    page.click("button[value=delete_on_server]")
    page.click("button.danger")
    page.wait_for_selector("text=1 mail removed from the list; it is being deleted from the mailbox.")
    assert _mail("Faktura 1/2026").state in {Message.State.HIDDEN, Message.State.DELETED_ON_SERVER}

    page.check(f"input[name=mail][value='{second.pk}']")
    page.click("button[value=hide]")
    page.select_option("select[name=state]", "removed")
    page.click("form.filters button[type=submit]")
    assert page.locator("table.mail-list tbody td.col-subject").all_inner_texts() == ["Faktura 2/2026"]
    screenshot(page, "removed-from-the-list")
    page.check(f"input[name=mail][value='{second.pk}']")
    page.click("button[value=restore]")
    page.wait_for_selector("text=1 mail restored to the list.")
    assert _mail("Faktura 2/2026").state == Message.State.NEW
