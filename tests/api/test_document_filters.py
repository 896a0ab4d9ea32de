"""The API's document list takes the documents page's filters (acd_points/document_list.py), checked as the
schema publishes them: 400 naming those it cannot take."""

from django.urls import reverse

from tests.builders import listed_document


def test_the_api_takes_the_same_filters_and_refuses_invalid_ones(make_point, world_a, api_client_for):
    mine, theirs = make_point(employees=[world_a.operator]), make_point(name="Not the operator's")
    listed_document(world_a.tenant, title="Faktura", point=mine, files=[("faktura-9.pdf", b"%PDF-1.4 x")])
    listed_document(world_a.tenant, title="Bez plikow", point=mine, files=())
    listed_document(world_a.tenant, title="Cudza", point=theirs)
    client = api_client_for(world_a.operator)
    url = reverse("api:documents")

    def api_titles(**query):
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        return [row["title"] for row in response.json()["results"]]

    assert api_titles(q="FAKTURA-9") == ["Faktura"]
    assert api_titles(files="without") == ["Bez plikow"]
    assert api_titles(point=mine.pk) == ["Bez plikow", "Faktura"]
    assert api_titles(point=theirs.pk) == []  # another point's documents stay out of reach
    refused = client.get(url, {"point": "-1", "date_from": "2026-02-31", "files": "x", "page_size": "0"})
    assert refused.status_code == 400
    assert set(refused.json()) == {"point", "date_from", "files", "page_size"}
    for query in ({"cursor": ""}, {"files": ""}, {"point": "1", "q": "a" * 101}):
        assert client.get(url, query).status_code == 400, query
    assert client.get(url + "?page_size=1&page_size=2").json() == {"page_size": ["Give this parameter once."]}
    assert client.get(url, {"cursor": "not-a-cursor"}).status_code == 404  # names no page
    paged = client.get(url, {"point": mine.pk, "page_size": 1}).json()
    assert f"point={mine.pk}" in paged["next"]
    assert [row["title"] for row in client.get(paged["next"]).json()["results"]] == ["Faktura"]
