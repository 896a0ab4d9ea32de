"""In a real browser: after generating, the document page and the mail page show who did it and when."""

import pytest

from mailboxes.models import Message
from tests.builders import PASSWORD, add_mail, invoice_mail

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_mail_and_document_pages_show_who_generated(
    login, live_server, screenshot, world_a, make_point, buffer_a
):
    point = make_point(employees=[world_a.operator])
    mail = add_mail(buffer_a, invoice_mail(4))
    page = login(world_a.operator, PASSWORD)
    page.goto(f"{live_server.url}/acd/points/{point.pk}/")
    page.check(f"input[name=mail][value='{mail.pk}']")
    page.click("button[value=generate]")
    page.wait_for_selector("text=1 document generated.")
    assert Message.all_tenants.get(pk=mail.pk).state == Message.State.GENERATED

    page.goto(f"{live_server.url}/acd/points/{point.pk}/mails/{mail.pk}/")
    entry = page.locator("ul.history li").inner_text()
    assert "Operator alpha" in entry and "generated a document" in entry
    assert page.locator("ul.history li time").get_attribute("datetime").startswith("20")
    screenshot(page, "mail-history")
    page.click("dl.headers a[href*='/acd/documents/']")
    page.wait_for_selector("h2:text('History')")
    assert "Operator alpha · generated a document" in page.locator("ul.history").inner_text()
    screenshot(page, "document-history")
