"""The documents list (issue 13, item 11): search and filters like the mail list, keyset pages, the
employee's documents only (the API's document list: tests/api/test_document_filters.py)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.builders import listed_document


@pytest.fixture
def points(make_point, world_a):
    """The operator's point and one they may not use."""
    return make_point(employees=[world_a.operator]), make_point(name="Not the operator's")


def titles(client, **query) -> list[str]:
    response = client.get(reverse("acd:documents"), query)
    assert response.status_code == 200
    return [document.title for document in response.context["page"].documents]


def test_search_finds_title_source_and_file_name_in_any_case(points, client_for, world_a):
    mine, _ = points
    listed_document(world_a.tenant, title="Faktura 1/2026", point=mine)
    listed_document(world_a.tenant, title="Rachunek", point=mine, source="Import from the scanner")
    listed_document(world_a.tenant, title="Umowa", point=mine, files=[("umowa-najmu.pdf", b"%PDF-1.4 x")])
    client = client_for(world_a.operator)
    assert titles(client, q="faktura") == ["Faktura 1/2026"]
    assert titles(client, q="SCANNER") == ["Rachunek"]
    assert titles(client, q="Najmu") == ["Umowa"]
    assert titles(client) == ["Umowa", "Rachunek", "Faktura 1/2026"]


def test_point_creator_date_and_files_filters(points, client_for, world_a):
    mine, _ = points
    listed_document(world_a.tenant, title="today, by the operator", point=mine, created_by=world_a.operator)
    listed_document(
        world_a.tenant, title="old, by the admin", point=mine, created_by=world_a.admin, days_ago=40
    )
    listed_document(world_a.tenant, title="no files", created_by=world_a.operator, files=(), days_ago=3)
    client = client_for(world_a.operator)
    assert titles(client, point=mine.pk) == ["today, by the operator", "old, by the admin"]
    assert titles(client, created_by=world_a.admin.pk) == ["old, by the admin"]
    ten_days_ago = (timezone.localdate() - timedelta(days=10)).isoformat()
    assert titles(client, date_to=ten_days_ago) == ["old, by the admin"]
    assert titles(client, date_from=ten_days_ago) == ["today, by the operator", "no files"]
    assert titles(client, files="without") == ["no files"]
    assert titles(client, files="with", created_by=world_a.operator.pk) == ["today, by the operator"]


def test_only_the_employees_points_are_offered_and_taken(points, client_for, world_a):
    mine, theirs = points
    listed_document(world_a.tenant, title="of the operator's point", point=mine)
    listed_document(world_a.tenant, title="of another point", point=theirs)
    operator = client_for(world_a.operator)
    page = operator.get(reverse("acd:documents")).content.decode()
    assert mine.name in page and theirs.name not in page
    # A point the operator may not use is no filter at all: it shows what the operator sees anyway.
    assert titles(operator, point=theirs.pk) == ["of the operator's point"]
    administrator = client_for(world_a.admin)
    assert titles(administrator, point=theirs.pk) == ["of another point"]
    offered = {creator.pk for creator in operator.get(reverse("acd:documents")).context["creators"]}
    assert offered == {world_a.operator.pk, world_a.admin.pk}


def test_another_tenants_documents_never_show(points, client_for, world_a, world_b):
    listed_document(world_b.tenant, title="Faktura of beta")
    for client in (client_for(world_a.operator), client_for(world_a.admin)):
        assert titles(client, q="beta") == []
    page = client_for(world_a.admin).get(reverse("acd:documents")).content.decode()
    assert "Faktura of beta" not in page and str(world_b.admin) not in page


def test_keyset_pages_newest_first_without_offset_or_count(points, client_for, world_a):
    mine, _ = points
    for n in range(30):
        listed_document(world_a.tenant, title=f"Document {n:02}", point=mine, days_ago=30 - n)
    client = client_for(world_a.operator)
    url = reverse("acd:documents")
    with CaptureQueriesContext(connection) as queries:
        first = client.get(url, {"files": "with"}).context["page"]
    sql = " ".join(query["sql"].upper() for query in queries.captured_queries)
    assert " OFFSET " not in sql and "COUNT(" not in sql
    assert [d.title for d in first.documents[:2]] == ["Document 29", "Document 28"]
    assert len(first.documents) == 25 and first.older and not first.newer
    second = client.get(url, {"files": "with", "after": first.older}).context["page"]
    assert [d.title for d in second.documents] == [f"Document {n:02}" for n in range(4, -1, -1)]
    assert not second.older and second.newer
    back = client.get(url, {"files": "with", "before": second.newer}).context["page"]
    assert [d.pk for d in back.documents] == [d.pk for d in first.documents]
    older_link = client.get(url, {"files": "with"}).context["older_url"]
    assert "files=with" in older_link and "after=" in older_link


@pytest.mark.parametrize(
    "query",
    [
        {"q": "x" * 100_000},
        {"date_from": "2026-02-31", "date_to": "9" * 5000},
        {"point": "9" * 400, "created_by": "-1"},
        {"files": "maybe", "after": "not-a-cursor", "before": "2026-13-99T99:99:99_1"},
        {"after": "x" * 100_000},
    ],
)
def test_hostile_inputs_are_bounded_and_never_fail(points, client_for, world_a, query):
    listed_document(world_a.tenant, title="Faktura", point=points[0])
    response = client_for(world_a.operator).get(reverse("acd:documents"), query)
    assert response.status_code == 200
    filters = response.context["filters"]
    assert len(filters.q) <= 100 and filters.point is None and filters.date_from == filters.date_to == ""
