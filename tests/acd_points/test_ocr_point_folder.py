"""An OCR point's admin page shows the absolute folder on the server that the OCR program must watch."""

from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from acd_points import folders


def test_the_ocr_point_page_shows_the_absolute_folder_to_watch(ocr_point, world_a, client_for):
    expected = Path(settings.ACD_FILES_ROOT) / f"tenant-{world_a.tenant.pk}" / "ocr" / "incoming"
    assert expected.is_absolute()
    client = client_for(world_a.admin)
    url = reverse("admin:acd_points_ocrpoint_change", args=[ocr_point.pk])
    page = client.get(url).content.decode()
    assert "Folder for the OCR program" in page
    assert f"<code>{escape(expected)}</code>" in page
    assert "it is created when the first file is copied" in page
    folders.resolve(world_a.tenant.pk, ocr_point.folder).mkdir(parents=True)
    page = client.get(url).content.decode()
    assert f"<code>{escape(expected)}</code>" in page
    assert "it is created when the first file is copied" not in page


def test_a_new_ocr_point_says_where_its_path_will_be_shown(world_a, client_for):
    page = client_for(world_a.admin).get(reverse("admin:acd_points_ocrpoint_add")).content.decode()
    assert "Shown once saved: the full path of the folder on the server." in page
