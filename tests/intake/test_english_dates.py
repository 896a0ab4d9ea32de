"""English dates read the same everywhere (ISO order, a 24-hour clock: 2026-12-01 08:51), through the
format module intake/formats (FORMAT_MODULE_PATH); Polish keeps Django's Polish formats, already
day-first and 24-hour ("1 grudnia 2026 08:51")."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import formats, translation

from tests.builders import add_mail, invoice_mail

WHEN = datetime(2026, 12, 1, 8, 51, tzinfo=ZoneInfo("Europe/Warsaw"))


@pytest.fixture(autouse=True)
def portal_formats(settings):
    settings.FORMAT_MODULE_PATH = ["intake.formats"]
    formats.reset_format_cache()  # Django caches formats per language and does not reset on this setting
    yield
    formats.reset_format_cache()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", {"DATE_FORMAT": "2026-12-01", "DATETIME_FORMAT": "2026-12-01 08:51", "TIME_FORMAT": "08:51"}),
        ("pl", {"DATE_FORMAT": "1 grudnia 2026", "DATETIME_FORMAT": "1 grudnia 2026 08:51"}),
    ],
)
def test_dates_are_unambiguous_in_each_language(language, expected):
    with translation.override(language):
        shown = {name: formats.date_format(WHEN, name) for name in expected}
        assert shown == expected
        if language == "en":
            assert formats.date_format(WHEN, "SHORT_DATETIME_FORMAT") == "2026-12-01 08:51"
            assert formats.date_format(WHEN.date(), "SHORT_DATE_FORMAT") == "2026-12-01"


def test_typed_iso_dates_are_still_read(db):
    with translation.override("en"):
        assert "%Y-%m-%d" in formats.get_format("DATE_INPUT_FORMATS")


def test_the_mail_page_shows_iso_dates_in_english(make_point, world_a, buffer_a, client_for, own_file_area):
    point = make_point(employees=[world_a.operator])
    message = add_mail(buffer_a, invoice_mail(3))
    type(message).all_tenants.filter(pk=message.pk).update(received_at=WHEN)
    page = client_for(world_a.operator).get(reverse("acd:mail", args=[point.pk, message.pk])).content.decode()
    assert "<dd>2026-12-01 08:51</dd>" in page
    assert "a.m." not in page and "p.m." not in page
