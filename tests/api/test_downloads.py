import hashlib

import pytest
from django.urls import reverse

from tests.builders import add_mail, invoice_mail

HTML = b"<html><script>alert(document.cookie)</script></html>"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _assert_safe_download(response, name):
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert name in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_attachments_download_as_attachments_whose_bytes_match_their_sha256(alpha, world_a, api_client_for):
    client = api_client_for(world_a.operator)
    mail = client.get(reverse("api:point-mail", args=[alpha.point.pk, alpha.mail.pk])).json()
    assert [a["name"] for a in mail["attachments"]] == ["faktura-7.pdf", "logo.png"]
    for listed in mail["attachments"]:
        response = client.get(listed["download_url"])
        _assert_safe_download(response, listed["name"])
        data = _body(response)
        assert (len(data), hashlib.sha256(data).hexdigest()) == (listed["size"], listed["sha256"])


def test_document_files_download_as_attachments_whose_bytes_match_their_sha256(
    alpha, world_a, api_client_for
):
    client = api_client_for(world_a.operator)
    document = client.get(reverse("api:document", args=[alpha.document.pk])).json()
    assert document["files"]
    for listed in document["files"]:
        response = client.get(listed["download_url"])
        _assert_safe_download(response, listed["name"])
        assert hashlib.sha256(_body(response)).hexdigest() == listed["sha256"]


def test_an_html_attachment_is_served_as_opaque_bytes(point, buffer_a, world_a, api_client_for):
    mail = add_mail(buffer_a, invoice_mail(1, attachments=[("invoice.pdf", HTML)]))
    client = api_client_for(world_a.operator)
    [listed] = client.get(reverse("api:point-mail", args=[point.pk, mail.pk])).json()["attachments"]
    response = client.get(listed["download_url"])
    _assert_safe_download(response, "invoice.pdf")
    assert response["Content-Type"] == "application/octet-stream"
    assert _body(response) == HTML


@pytest.mark.parametrize("accept", ["application/pdf", "*/*", "application/octet-stream"])
def test_downloads_ignore_what_the_client_says_it_accepts(alpha, world_a, api_client_for, accept):
    url = reverse("api:attachment-file", args=[alpha.point.pk, alpha.attachment.pk])
    response = api_client_for(world_a.operator).get(url, HTTP_ACCEPT=accept)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")


def test_a_file_of_another_document_is_404_through_this_one(alpha, point, buffer_a, world_a, api_client_for):
    client = api_client_for(world_a.operator)
    other = add_mail(buffer_a, invoice_mail(5))
    [other_document] = client.post(
        reverse("api:point-generate", args=[point.pk]), {"mails": [other.pk]}, format="json"
    ).json()["created"]
    url = reverse("api:document-file", args=[other_document, alpha.document_file.pk])
    assert client.get(url).status_code == 404
