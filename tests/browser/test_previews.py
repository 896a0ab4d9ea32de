"""Image previews on the mail page keep their proportions, are never enlarged past their natural size,
and can be seen whole: click to zoom to the natural size, or open the image itself in a new tab."""

import struct
import zlib

import pytest

from tests.builders import PASSWORD, add_mail, invoice_mail

pytestmark = pytest.mark.django_db(transaction=True)

RECEIPT = (300, 1200)  # a till receipt: tall and narrow, taller than any viewport here
LOGO = (50, 50)


def _png(width: int, height: int) -> bytes:
    """A valid RGB PNG of the given size (a vertical grey ramp, so a stretch would be visible)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes([y * 255 // height] * 3) * width for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def _shown(page, name: str) -> dict:
    return page.locator(f"img.preview[alt='{name}']").evaluate(
        """image => {
            const box = image.getBoundingClientRect(), style = getComputedStyle(image);
            const px = (...sides) => sides.reduce((sum, side) => sum + parseFloat(style[side]), 0);
            // The picture itself: the box without its border and padding
            const width = box.width - px("borderLeftWidth", "borderRightWidth", "paddingLeft",
                                         "paddingRight");
            const height = box.height - px("borderTopWidth", "borderBottomWidth", "paddingTop",
                                           "paddingBottom");
            return {natural: [image.naturalWidth, image.naturalHeight], shown: [width, height],
                    zoomable: image.classList.contains("zoomable")};
        }"""
    )


def _assert_proportional_and_not_enlarged(shown: dict):
    (natural_w, natural_h), (shown_w, shown_h) = shown["natural"], shown["shown"]
    assert shown_w <= natural_w + 0.5 and shown_h <= natural_h + 0.5, shown
    assert shown_w / shown_h == pytest.approx(natural_w / natural_h, rel=0.02), shown


@pytest.fixture
def receipt_and_logo_mail(buffer_a):
    attachments = [("paragon.png", _png(*RECEIPT)), ("logo.png", _png(*LOGO))]
    return add_mail(buffer_a, invoice_mail(21, attachments=attachments))


def test_images_keep_their_proportions_and_natural_size_and_zoom(
    login, live_server, screenshot, world_a, make_point, receipt_and_logo_mail
):
    point = make_point(employees=[world_a.operator])
    page = login(world_a.operator, PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/acd/points/{point.pk}/mails/{receipt_and_logo_mail.pk}/")
    page.wait_for_function(
        "[...document.querySelectorAll('img.preview')].every(i => i.complete && i.naturalWidth > 0)"
    )

    receipt, logo = _shown(page, "paragon.png"), _shown(page, "logo.png")
    assert receipt["natural"] == list(RECEIPT) and logo["natural"] == list(LOGO)
    _assert_proportional_and_not_enlarged(receipt)
    _assert_proportional_and_not_enlarged(logo)
    assert logo["shown"] == pytest.approx(list(LOGO), abs=0.5)  # small enough: shown as it is
    assert receipt["shown"][1] < RECEIPT[1]  # taller than the window: fitted
    assert receipt["zoomable"] and not logo["zoomable"]
    screenshot(page, "preview-images")

    # A click shows the receipt at its natural size; another fits it again.
    page.click("img.preview[alt='paragon.png']")
    assert _shown(page, "paragon.png")["shown"] == pytest.approx(list(RECEIPT), abs=0.5)
    screenshot(page, "preview-image-zoomed")
    page.click("img.preview[alt='paragon.png']")
    assert _shown(page, "paragon.png")["shown"] == pytest.approx(receipt["shown"], abs=0.5)

    # "Open full size" opens the image itself, inline, in a new tab.
    with page.context.expect_page() as opened:
        page.click(".image-preview:has(img[alt='paragon.png']) a.open-full")
    full = opened.value
    full.wait_for_load_state()
    natural = full.locator("img").evaluate("image => [image.naturalWidth, image.naturalHeight]")
    assert natural == list(RECEIPT)
    screenshot(full, "preview-image-full-size")
