from io import StringIO

import yaml
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.validation import validate_schema

from acd_points.api.urls import urlpatterns

SCHEMA = reverse("api:schema")


def _schema(anonymous_api_client):
    response = anonymous_api_client().get(SCHEMA, {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi_3_and_needs_no_token(db, anonymous_api_client):
    schema = _schema(anonymous_api_client)
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on an invalid document


def test_the_schema_lists_every_endpoint_with_its_methods(db, anonymous_api_client):
    paths = _schema(anonymous_api_client)["paths"]
    expected = {
        "/api/v1/points/": {"get"},
        "/api/v1/points/{id}/": {"get"},
        "/api/v1/points/{id}/mails/": {"get"},
        "/api/v1/points/{id}/mails/{mail_id}/": {"get"},
        "/api/v1/points/{id}/attachments/{attachment_id}/download/": {"get"},
        "/api/v1/points/{id}/generate/": {"post"},
        "/api/v1/documents/": {"get"},
        "/api/v1/documents/{id}/": {"get"},
        "/api/v1/documents/{id}/files/{file_id}/download/": {"get"},
    }
    assert {path: set(operations) for path, operations in paths.items()} == expected
    assert len(expected) == len(urlpatterns) - 1  # every route but the schema itself


def test_every_operation_requires_the_declared_token_scheme(db, anonymous_api_client):
    schema = _schema(anonymous_api_client)
    assert schema["components"]["securitySchemes"]["apiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["apiToken"]["description"],
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation["security"] == [{"apiToken": []}], (path, method)


def test_the_schema_types_what_the_endpoints_answer(db, anonymous_api_client):
    schema = _schema(anonymous_api_client)
    components = schema["components"]["schemas"]
    attachment = components["Attachment"]["properties"]
    assert attachment["size"]["type"] == "integer" and attachment["download_url"]["format"] == "uri"
    assert components["Document"]["properties"]["point"] == {
        "type": "integer",
        "readOnly": True,
        "nullable": True,
        "description": components["Document"]["properties"]["point"]["description"],
    }
    generate = schema["paths"]["/api/v1/points/{id}/generate/"]["post"]
    assert set(generate["responses"]) == {"200", "201", "400", "401", "404", "406", "415", "422", "429"}
    download = schema["paths"]["/api/v1/documents/{id}/files/{file_id}/download/"]["get"]
    assert download["responses"]["200"]["content"]["application/octet-stream"]["schema"]["format"] == "binary"
    mail_query = {p["name"] for p in schema["paths"]["/api/v1/points/{id}/mails/"]["get"]["parameters"]}
    assert {
        "q",
        "state",
        "has_attachments",
        "date_from",
        "date_to",
        "after",
        "before",
        "page_size",
    } <= mail_query


def test_the_schema_generates_without_warnings(db, tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target), stderr=StringIO())
    assert yaml.safe_load(target.read_text())["info"]["title"] == "Intake portal API"
