"""High-volume work in real Chromium (issue 13, item 11): the focused mail's preview beside the list,
the list worked from the keyboard across pages, and the documents list searched."""

import pytest
from playwright.sync_api import expect

from mailboxes.models import Message
from tests.builders import PASSWORD, add_mail, invoice_mail, listed_document

pytestmark = pytest.mark.django_db(transaction=True)

CURRENT = "table.mail-list tbody tr[aria-current=true]"


@pytest.fixture
def busy_point(make_point, world_a, buffer_a):
    """A point with 27 mails: a full page of 25 (Faktura 26 … 2) and an older one (Faktura 1, 0)."""
    for number in range(27):
        add_mail(buffer_a, invoice_mail(number))
    return make_point(employees=[world_a.operator])


def _press_until(page, key, row_text):
    """Press `key` until the focused row shows `row_text` (three tries): headless Chromium's PDF viewer,
    loading in the pane, may take a key press before the list gets its focus back."""
    for _ in range(3):
        page.keyboard.press(key)
        try:
            expect(page.locator(CURRENT)).to_contain_text(row_text, timeout=2000)
            return
        except AssertionError:
            continue
    expect(page.locator(CURRENT)).to_contain_text(row_text)


def test_the_pane_follows_the_keyboard_across_pages_and_g_generates(
    login, live_server, screenshot, world_a, busy_point
):
    page = login(world_a.operator, PASSWORD)
    page.set_viewport_size({"width": 1500, "height": 900})
    page.goto(f"{live_server.url}/acd/points/{busy_point.pk}/")
    pane = page.frame_locator("iframe.mail-pane")
    expect(pane.locator("body")).to_contain_text("Faktura 26/2026")
    list_box, pane_box = (
        page.locator("table.mail-list").bounding_box(),
        page.locator("iframe.mail-pane").bounding_box(),
    )
    assert pane_box["x"] >= list_box["x"] + list_box["width"]  # beside the list on a wide screen
    page.wait_for_timeout(1500)  # the PDF preview has loaded and taken the focus …
    pane_window = page.frame(url=lambda url: "pane=1" in url)
    assert pane_window.evaluate("window.scrollY") == 0  # … and the pane still shows the mail's top

    page.keyboard.press("j")
    expect(page.locator(CURRENT)).to_contain_text("Faktura 25/2026")
    expect(pane.locator("body")).to_contain_text("Faktura 25/2026")
    page.keyboard.press("x")
    expect(page.locator(f"{CURRENT} input[name=mail]")).to_be_checked()
    page.keyboard.press("x")
    page.keyboard.press("ArrowUp")
    expect(page.locator(CURRENT)).to_contain_text("Faktura 26/2026")
    expect(pane.locator("body")).to_contain_text("Faktura 26/2026")
    screenshot(page, "high-volume-pane")
    page.keyboard.press("Shift+Slash")
    expect(page.locator("#shortcut-help")).to_be_visible()
    screenshot(page, "high-volume-shortcuts")
    page.keyboard.press("Escape")
    expect(page.locator("#shortcut-help")).to_be_hidden()

    for number in range(25, 1, -1):  # down the page, row by row …
        _press_until(page, "j", f"Faktura {number}/2026")
    page.keyboard.press("j")  # … and past its last row: the older page, its first row focused
    page.wait_for_url("**after=**#first")
    expect(page.locator(CURRENT)).to_contain_text("Faktura 1/2026")
    expect(page.locator(CURRENT)).to_be_focused()
    page.keyboard.press("g")  # nothing selected: the focused mail
    expect(page.locator(".messages")).to_contain_text("1 document generated.")
    screenshot(page, "high-volume-generated")
    generated = Message.all_tenants.filter(state=Message.State.GENERATED)
    assert [message.subject for message in generated] == ["Faktura 1/2026"]


def test_narrow_screens_put_the_pane_below_and_typing_is_no_shortcut(
    login, live_server, screenshot, world_a, busy_point
):
    page = login(world_a.operator, PASSWORD)
    page.set_viewport_size({"width": 760, "height": 1000})
    page.goto(f"{live_server.url}/acd/points/{busy_point.pk}/")
    list_box, pane_box = (
        page.locator("table.mail-list").bounding_box(),
        page.locator("iframe.mail-pane").bounding_box(),
    )
    assert pane_box["y"] >= list_box["y"] + list_box["height"]
    page.fill("input[name=q]", "")
    page.locator("input[name=q]").press_sequentially("jjx")
    expect(page.locator("input[name=q]")).to_have_value("jjx")
    expect(page.locator(CURRENT)).to_contain_text("Faktura 26/2026")
    assert page.locator("input[name=mail]:checked").count() == 0
    screenshot(page, "high-volume-narrow")


def test_the_documents_list_is_searched_and_filtered(login, live_server, screenshot, world_a, make_point):
    point = make_point(employees=[world_a.operator])
    listed_document(
        world_a.tenant, title="Faktura 7/2026", point=point, files=[("faktura-7.pdf", b"%PDF-1.4 x")]
    )
    listed_document(world_a.tenant, title="Umowa najmu", point=point, created_by=world_a.operator, files=())
    page = login(world_a.operator, PASSWORD)
    page.click("text=Documents")
    page.fill("input[name=q]", "FAKTURA-7")
    page.click("form.document-filters button[type=submit]")
    expect(page.locator("table.documents tbody tr")).to_have_count(1)
    expect(page.locator("table.documents")).to_contain_text("Faktura 7/2026")
    page.fill("input[name=q]", "")
    page.select_option("select[name=files]", "without")
    page.click("form.document-filters button[type=submit]")
    expect(page.locator("table.documents")).to_contain_text("Umowa najmu")
    expect(page.locator("table.documents")).not_to_contain_text("Faktura 7/2026")
    screenshot(page, "documents-filtered")
