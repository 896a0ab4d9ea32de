"""In a real browser: a wrong password leaves the username in its field; "Set folder" opens on the
current folder and Cancel goes back to the point without changing it."""

import pytest

from acd_points.models import AcdPoint
from tests.builders import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_login_keeps_the_username_and_set_folder_is_prefilled_with_cancel(
    browser, live_server, screenshot, world_a, make_point
):
    point = make_point(employees=[world_a.operator], define_path_during_work=True, work_folder="faktury/2026")
    page = browser.new_context(locale="en-GB").new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", world_a.operator.user.username)
    page.fill("#id_password", "not the password")
    page.click("button[type=submit]")
    page.wait_for_selector("p.error")
    assert page.input_value("#id_username") == world_a.operator.user.username
    assert page.evaluate("document.activeElement.id") == "id_password"
    screenshot(page, "login-wrong-password")

    page.fill("#id_password", PASSWORD)  # only the password needs typing again
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/acd/points/{point.pk}/folder/")
    assert page.input_value("#folder") == "faktury/2026"
    screenshot(page, "set-folder")
    page.fill("#folder", "faktury/2027")
    page.click("text=Cancel")
    page.wait_for_url(f"{live_server.url}/acd/points/{point.pk}/")
    assert AcdPoint.all_tenants.get(pk=point.pk).work_folder == "faktury/2026"
