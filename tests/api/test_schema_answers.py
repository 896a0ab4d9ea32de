"""The published schema names what every operation can answer, the types a download can have and how
operations lead to one another; an unknown API path answers in JSON like the rest of the API."""

import pytest
from django.urls import reverse

from acd_points.api.schema import DOWNLOAD_TYPES
from acd_points.downloads import PREVIEWABLE


@pytest.fixture
def schema(db, anonymous_api_client):
    return anonymous_api_client().get(reverse("api:schema"), {"format": "json"}).json()


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_every_operation_documents_401_404_and_429_with_retry_after(schema):
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        assert {"401", "404", "429"} <= responses.keys(), (path, method)
        assert responses["429"]["headers"]["Retry-After"]["required"] is True
        assert responses["401"]["headers"]["WWW-Authenticate"]["required"] is True
        for status in ("401", "404", "429"):
            shape = responses[status]["content"]["application/json"]["schema"]
            assert shape == {"$ref": "#/components/schemas/Error"}, (path, method, status)
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]


def test_downloads_list_every_type_they_are_served_as_and_no_other(schema):
    downloads = [operation for path, _, operation in _operations(schema) if path.endswith("/download/")]
    assert len(downloads) == 2
    for operation in downloads:
        assert sorted(operation["responses"]["200"]["content"]) == DOWNLOAD_TYPES
    assert set(DOWNLOAD_TYPES) == PREVIEWABLE | {"application/octet-stream"}


def test_every_link_names_an_existing_operation_and_its_parameters(schema):
    by_id = {operation["operationId"]: operation for _, _, operation in _operations(schema)}
    seen = 0
    for _, _, operation in _operations(schema):
        for link in operation["responses"].get("200", {}).get("links", {}).values():
            target = by_id[link["operationId"]]
            path_parameters = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
            assert set(link["parameters"]) == path_parameters
            seen += 1
    assert seen >= 7


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_api_path_answers_json_404_for_any_method(db, anonymous_api_client, method):
    for path in ("/api/v1/points/abc/", "/api/v1/nothing-here", "/api/v2/points/"):
        answer = getattr(anonymous_api_client(), method)(path)
        assert answer.status_code == 404, path
        assert answer["Content-Type"] == "application/json"
        assert answer.json() == {"detail": "Not found."}


def test_what_the_framework_answers_is_documented_where_it_can_happen(
    db, schema, alpha, world_a, api_client_for
):
    client = api_client_for(world_a.operator)
    generate = reverse("api:point-generate", args=[alpha.point.pk])
    answer = client.post(generate, "mails=1", content_type="text/plain")
    assert answer.status_code == 415 and "detail" in answer.json()
    assert "415" in schema["paths"]["/api/v1/points/{id}/generate/"]["post"]["responses"]
    answer = client.get(reverse("api:points"), HTTP_ACCEPT="text/csv")
    assert answer.status_code == 406 and "detail" in answer.json()
    assert "406" in schema["paths"]["/api/v1/points/"]["get"]["responses"]
    download = schema["paths"]["/api/v1/documents/{id}/files/{file_id}/download/"]["get"]["responses"]
    assert "406" not in download  # files are served whatever the client accepts
