"""What every operation of the published schema answers besides its own results, and how operations lead
to one another: a drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).

drf-spectacular documents what a view declares; the answers that come from the framework around every
view (401 without a valid token, 429 past the rate, 404 for ids not the employee's, 406 for an Accept
header the API cannot satisfy, 415 for a body that is not JSON) and the bodies of downloads are added
here, once, so that no operation can miss them and a generated client handles them all. The links tell a
client (and schemathesis' stateful run) which value of an answer is the id of the next call: a point from
the list, a mail from the point's page, a file from a document.
"""

from acd_points.downloads import PREVIEWABLE

ERROR = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "type": "object",
    "description": "DRF's error shape: what went wrong, in the language the request asked for.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
DOWNLOAD_TYPES = sorted(PREVIEWABLE | {"application/octet-stream"})  # acd_points.downloads: nothing else


def _error(description: str, headers: dict | None = None) -> dict:
    answer = {"description": description, "content": {"application/json": {"schema": ERROR}}}
    if headers:
        answer["headers"] = headers
    return answer


COMMON = {
    "401": _error(
        "No token, or an invalid, revoked or deactivated one.",
        {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}},
    ),
    "404": _error("Not found, or not yours to see (the two are never told apart)."),
    "429": _error(
        "Too many requests: the employee's rate (or failed token checks from this address) is used up.",
        {
            "Retry-After": {
                "schema": {"type": "integer", "minimum": 1},
                "required": True,
                "description": "Seconds to wait before the next request fits.",
            }
        },
    ),
}

NOT_ACCEPTABLE = _error("The Accept header asks only for types the API does not give (it answers JSON).")
UNSUPPORTED_BODY = _error("The request body is not JSON (Content-Type: application/json).")

# (path, method) of an answer → {link name: (path, method) of the next operation, its parameters}
LINKS = {
    ("/api/v1/points/", "get"): {
        "GetPoint": (("/api/v1/points/{id}/", "get"), {"id": "$response.body#/0/id"}),
        "GetMails": (("/api/v1/points/{id}/mails/", "get"), {"id": "$response.body#/0/id"}),
    },
    ("/api/v1/points/{id}/", "get"): {
        "GetMails": (("/api/v1/points/{id}/mails/", "get"), {"id": "$response.body#/id"}),
    },
    ("/api/v1/points/{id}/mails/", "get"): {
        "GetMail": (
            ("/api/v1/points/{id}/mails/{mail_id}/", "get"),
            {"id": "$request.path.id", "mail_id": "$response.body#/results/0/id"},
        ),
    },
    ("/api/v1/points/{id}/mails/{mail_id}/", "get"): {
        "DownloadAttachment": (
            ("/api/v1/points/{id}/attachments/{attachment_id}/download/", "get"),
            {"id": "$request.path.id", "attachment_id": "$response.body#/attachments/0/id"},
        ),
    },
    ("/api/v1/documents/", "get"): {
        "GetDocument": (("/api/v1/documents/{id}/", "get"), {"id": "$response.body#/results/0/id"}),
    },
    ("/api/v1/documents/{id}/", "get"): {
        "DownloadFile": (
            ("/api/v1/documents/{id}/files/{file_id}/download/", "get"),
            {"id": "$response.body#/id", "file_id": "$response.body#/files/0/id"},
        ),
    },
}


def _is_download(responses: dict) -> bool:
    ok = responses.get("200", {}).get("content", {})
    return any(schema.get("schema", {}).get("format") == "binary" for schema in ok.values())


def _download_content() -> dict:
    return {kind: {"schema": {"type": "string", "format": "binary"}} for kind in DOWNLOAD_TYPES}


def complete_answers(result, generator, request, public):
    """The hook: common answers on every operation, every type a download can have, and the links."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    paths = result.get("paths", {})
    for path, operations in paths.items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, answer in COMMON.items():
                documented = responses.setdefault(status, dict(answer))
                documented.setdefault("content", answer["content"])
                if "headers" in answer:
                    documented.setdefault("headers", answer["headers"])
            if _is_download(responses):  # served whatever the client accepts
                responses["200"]["content"] = _download_content()
                responses["200"].setdefault("description", "The file's bytes, always as an attachment.")
            else:
                responses.setdefault("406", NOT_ACCEPTABLE)
            if "requestBody" in operation:
                responses.setdefault("415", UNSUPPORTED_BODY)
            _add_links(paths, path, method, responses)
    return result


def _add_links(paths: dict, path: str, method: str, responses: dict) -> None:
    links = {}
    for name, ((target_path, target_method), parameters) in LINKS.get((path, method), {}).items():
        target = paths.get(target_path, {}).get(target_method)
        if target is not None:
            links[name] = {"operationId": target["operationId"], "parameters": parameters}
    if links and "200" in responses:
        responses["200"]["links"] = links
