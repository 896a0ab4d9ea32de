"""In real Chromium: the operator acts on the mail page (issue 13, item 10): chooses the attachments,
generates, lands on the list's next mail within the list's filters, steps back with Previous, and removes
a mail from the list there."""

import pytest

from acd_points.models import PointDocument
from intake.models import DocumentFile
from mailboxes.models import Attachment, Message
from tests.builders import PASSWORD, PNG, add_mail, invoice_mail

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mails(buffer_a):
    """Three invoices (the list shows the newest, Faktura 3, first). Images, not PDFs: headless Chromium's
    PDF viewer takes the focus and swallows the next click on the page."""
    return [
        add_mail(buffer_a, invoice_mail(n, attachments=[(f"FV-{n}.png", PNG), ("skan.png", PNG)]))
        for n in (1, 2, 3)
    ]


def test_generate_with_a_choice_then_next_previous_and_remove(
    login, live_server, screenshot, world_a, make_point, mails
):
    point = make_point(employees=[world_a.operator])
    page = login(world_a.operator, PASSWORD)
    page.goto(f"{live_server.url}/acd/points/{point.pk}/?q=faktura")
    page.click("td.col-subject a >> text=Faktura 3/2026")
    page.wait_for_selector("h1 >> text=Faktura 3/2026")
    assert "q=faktura" in page.url
    boxes = page.locator("input[name=attachment]")
    assert boxes.count() == 2 and all(boxes.nth(i).is_checked() for i in range(2))  # the point's rules
    page.uncheck(f"#attachment-{_attachment(mails[2], 'skan.png')} input[name=attachment]")
    screenshot(page, "mail-page-choosing-attachments")
    with page.expect_navigation():
        page.click("#mail-page-actions button[value=generate]")
    page.wait_for_selector("text=1 document generated.")
    page.wait_for_selector("h1 >> text=Faktura 2/2026")  # the list's next mail, filters kept
    assert "q=faktura" in page.url
    [link] = PointDocument.all_tenants.filter(message=mails[2])
    names = DocumentFile.all_tenants.filter(document_id=link.document_id).values_list(
        "original_name", flat=True
    )
    assert list(names) == ["FV-3.png"]
    screenshot(page, "mail-page-after-generate")

    page.click("a[rel=prev]")
    page.wait_for_selector("h1 >> text=Faktura 3/2026")
    assert page.locator(".history .what").first.inner_text() == "generated a document"
    assert "files chosen: FV-3.png" in page.locator("section.history").inner_text()
    page.click("a[rel=next]")
    page.wait_for_selector("h1 >> text=Faktura 2/2026")
    page.click("#mail-page-actions button[value=hide]")
    page.wait_for_selector("h1 >> text=Faktura 1/2026")
    assert Message.all_tenants.get(pk=mails[1].pk).state == Message.State.HIDDEN
    page.click("a.back")
    page.wait_for_selector("table.mail-list")
    assert "q=faktura" in page.url
    screenshot(page, "mail-page-back-on-the-list")


def _attachment(mail, name):
    return Attachment.all_tenants.get(message=mail, display_name=name).pk
