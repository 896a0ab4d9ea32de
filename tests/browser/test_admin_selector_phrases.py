"""The two-list employee selector shows whole phrases (intake/admin_titles.py), and still works."""

import pytest

from acd_points.models import AcdPoint
from intake.tenancy import acting_for
from tests.builders import PASSWORD, another_mailbox

pytestmark = pytest.mark.django_db(transaction=True)


def test_employee_selector_shows_whole_phrases_and_still_moves_choices(
    login, live_server, screenshot, world_a, buffer_a
):
    page = login(world_a.admin, PASSWORD)
    page.goto(f"{live_server.url}/admin/acd_points/acdpoint/add/")
    page.wait_for_selector("#id_employees_add_all")
    assert page.inner_text("#id_employees_from_title label").strip() == "Available employees"
    assert page.inner_text("#id_employees_to_title label").strip() == "Chosen employees"
    assert page.inner_text("#id_employees_add_all") == "Choose all employees"
    assert page.inner_text("#id_employees_remove_all") == "Remove all employees"
    assert page.inner_text("h1") == "Add ACD point"
    page.select_option("#id_buffer", label=buffer_a.name)
    page.fill("#id_name", "Phrased")
    page.select_option("#id_employees_from", label=str(world_a.operator))
    page.click("#id_employees_add")
    screenshot(page, "admin-selector-phrases")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    with acting_for(world_a.tenant.pk):
        assert list(AcdPoint.objects.get(name="Phrased").employees.all()) == [world_a.operator]


def test_polish_change_list_counts_selection_and_bulk_deletion(browser, live_server, screenshot, world_a):
    """Django's actions.js counts the selection ("Wybrano 2 z 3": no name to inflect); the count line, the
    action and the confirmation say the model's name in the case and plural the number needs."""
    for _ in range(3):
        another_mailbox(world_a)
    page = browser.new_context(locale="pl-PL").new_page()  # the browser asks for Polish
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", world_a.admin.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/admin/mailboxes/mailbox/")
    assert page.inner_text("p.paginator").strip() == "3 skrzynki pocztowe"
    assert page.inner_text("span.action-counter").strip() == "Wybrano 0 z 3"
    checkboxes = page.locator("input.action-select")
    checkboxes.nth(0).check()
    checkboxes.nth(1).check()
    assert page.inner_text("span.action-counter").strip() == "Wybrano 2 z 3"
    page.select_option("select[name=action]", "delete_selected")
    assert page.locator("select[name=action] option:checked").inner_text() == "Usuń wybrane skrzynki pocztowe"
    screenshot(page, "admin-polish-selection-counter")
    page.click("button[name=index]")
    question = page.wait_for_selector("#content p")
    assert question.inner_text().startswith("Czy na pewno chcesz usunąć 2 wybrane skrzynki pocztowe?")
    assert "2 skrzynki pocztowe" in page.inner_text("#content ul")
    screenshot(page, "admin-polish-bulk-delete-confirmation")
    page.click("input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    assert page.inner_text(".messagelist .success") == "Usunięto 2 skrzynki pocztowe."
    assert page.inner_text("p.paginator").strip() == "1 skrzynka pocztowa"
