"""The API reference renders in a real browser from the portal alone: no request leaves the portal."""

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_reference_renders_every_operation_without_any_outside_request(
    browser, live_server, screenshot
):
    page = browser.new_context(locale="en-GB").new_page()
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{live_server.url}/api/v1/reference/")
    page.wait_for_selector("text=Intake portal API")
    page.wait_for_selector("text=/api/v1/points/{id}/generate/")  # drawn from our schema
    screenshot(page, "api-reference")
    hosts = {urlsplit(url).netloc for url in asked if not url.startswith(("data:", "blob:"))}
    assert hosts == {urlsplit(live_server.url).netloc}, asked
