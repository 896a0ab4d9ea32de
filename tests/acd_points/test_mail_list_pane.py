"""The point's mail list for high-volume work (issue 13, item 11), as the server renders it: the preview
pane beside the list (the mail page in pane mode), rows that carry what the keyboard script needs, and
no inline script (tests/browser/test_high_volume.py drives it in Chromium)."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.builders import add_mail, invoice_mail


@pytest.fixture
def point(make_point, world_a):
    return make_point(employees=[world_a.operator])


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    def all(self, tag, **wanted):
        return [attrs for name, attrs in self.found if name == tag and wanted.items() <= attrs.items()]


def tags(response) -> Tags:
    assert response.status_code == 200
    parsed = Tags()
    parsed.feed(response.content.decode())
    return parsed


def test_the_pane_shows_the_newest_mail_and_every_row_says_its_pane_and_page(
    point, client_for, world_a, buffer_a
):
    older, newer = add_mail(buffer_a, invoice_mail(1)), add_mail(buffer_a, invoice_mail(2))
    page = tags(client_for(world_a.operator).get(reverse("acd:point", args=[point.pk]), {"q": "faktura"}))
    mail_url = reverse("acd:mail", args=[point.pk, newer.pk])
    [pane] = page.all("iframe", **{"class": "mail-pane"})
    assert pane["src"] == f"{mail_url}?pane=1&q=faktura" and pane["title"]
    rows = page.all("tr")[1:]
    assert [row["data-mail"] for row in rows] == [str(newer.pk), str(older.pk)]
    assert rows[1]["data-pane"] == reverse("acd:mail", args=[point.pk, older.pk]) + "?pane=1&q=faktura"
    assert rows[1]["data-open"] == reverse("acd:mail", args=[point.pk, older.pk]) + "?q=faktura"
    # The subject still opens the full page, keeping the list's filters.
    assert page.all("a", href=mail_url + "?q=faktura")


def test_the_list_has_no_inline_script_and_its_script_and_help_are_served(
    point, client_for, world_a, buffer_a
):
    add_mail(buffer_a, invoice_mail(1))
    response = client_for(world_a.operator).get(reverse("acd:point", args=[point.pk]))
    page = tags(response)
    scripts = page.all("script")
    assert scripts and all(script.get("src") for script in scripts)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.content.decode())
    assert any(script["src"].endswith("acd_points/mail_list.js") for script in scripts)
    assert finders.find("acd_points/mail_list.js")
    assert page.all("dialog", id="shortcut-help") and page.all("table", **{"data-keyboard-list": None})


def test_no_pane_on_an_empty_list_and_the_buffer_list_shows_its_read_only_page(
    point, client_for, world_a, buffer_a
):
    client = client_for(world_a.admin)
    assert not tags(client.get(reverse("acd:point", args=[point.pk]))).all("iframe")
    message = add_mail(buffer_a, invoice_mail(1))
    buffer_page = tags(client.get(reverse("acd:buffer", args=[buffer_a.pk])))
    [pane] = buffer_page.all("iframe", **{"class": "mail-pane"})
    assert pane["src"] == reverse("acd:buffer-mail", args=[buffer_a.pk, message.pk]) + "?pane=1"
    assert not buffer_page.all("input", name="mail")  # nothing to select: no point, no actions


def test_the_mail_page_in_pane_mode_has_no_site_frame_and_acts_on_the_whole_window(
    point, client_for, world_a, buffer_a
):
    message = add_mail(buffer_a, invoice_mail(3))
    url = reverse("acd:mail", args=[point.pk, message.pk])
    client = client_for(world_a.operator)
    pane = client.get(url, {"pane": "1"})
    parsed = tags(pane)
    assert parsed.all("base", target="_top") and parsed.all("body", **{"class": "pane"})
    assert not parsed.all("nav", **{"class": "main-nav"}) and not parsed.all("header")
    assert "Faktura 3/2026" in pane.content.decode()
    # Only the pane may be framed, and only by the portal's own pages.
    assert pane["X-Frame-Options"] == "SAMEORIGIN"
    full = client.get(url)
    assert full["X-Frame-Options"] == "DENY" and tags(full).all("nav", **{"class": "main-nav"})
