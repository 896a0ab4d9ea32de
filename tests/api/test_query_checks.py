"""The mail list's query is checked exactly as the schema publishes it: each parameter once, no empty
cursor, page sizes within bounds; a well-formed cursor naming no page is a 404, never a silent first page
nor a number the database cannot compare."""

import pytest
from django.urls import reverse


@pytest.fixture
def mails_url(alpha):
    return reverse("api:point-mails", args=[alpha.point.pk])


@pytest.mark.parametrize(
    "query",
    [
        "page_size=null&page_size=null",
        "page_size=2&page_size=3",
        "after=",
        "before=",
        "page_size=0",
        "page_size=101",
        "state=",
        "after=" + "1" * 201,
        "date_from=2026-02-31",
    ],
)
def test_a_query_the_schema_forbids_is_refused(query, mails_url, world_a, api_client_for):
    answer = api_client_for(world_a.operator).get(f"{mails_url}?{query}")
    assert answer.status_code == 400, query
    assert all(isinstance(errors, list) for errors in answer.json().values())  # DRF's field errors


@pytest.mark.parametrize("cursor", ["0", "garbage", "2026-12-01T08:00:00+00:00_" + "9" * 40])
def test_a_cursor_the_portal_never_gave_names_no_page(cursor, mails_url, world_a, api_client_for):
    client = api_client_for(world_a.operator)
    for name in ("after", "before"):
        answer = client.get(mails_url, {name: cursor})
        assert answer.status_code == 404 and answer.json() == {"detail": "Invalid cursor."}


def test_the_cursors_of_the_links_work(mails_url, world_a, api_client_for, alpha):
    client = api_client_for(world_a.operator)
    first = client.get(mails_url, {"page_size": 1}).json()  # alpha's point lists two mails
    second = client.get(first["next"]).json()
    assert second["results"] and second["results"][0]["id"] != first["results"][0]["id"]
    assert client.get(second["previous"]).json()["results"] == first["results"]
