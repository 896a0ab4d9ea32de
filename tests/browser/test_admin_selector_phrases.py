"""The two-list employee selector shows whole phrases (intake/admin_titles.py), and still works."""

import pytest

from acd_points.models import AcdPoint
from intake.tenancy import acting_for
from tests.builders import PASSWORD

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
