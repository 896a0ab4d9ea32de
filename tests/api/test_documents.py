from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from acd_points.actions import generate
from tests.builders import add_mail, invoice_mail


def test_a_document_shows_its_source_point_mail_author_and_files(alpha, world_a, api_client_for):
    body = api_client_for(world_a.operator).get(reverse("api:document", args=[alpha.document.pk])).json()
    assert body["title"] == "Faktura 8/2026"
    assert (body["point"], body["created_by"]) == (alpha.point.pk, "Operator alpha")
    assert body["mail"] != alpha.mail.pk and body["mail"] is not None
    [listed] = body["files"]
    stored = alpha.document_file
    assert (listed["id"], listed["name"], listed["size"], listed["sha256"], listed["content_type"]) == (
        stored.pk,
        "faktura.pdf",
        stored.size,
        stored.sha256,
        "application/pdf",
    )


def test_the_document_list_pages_by_cursor_newest_first(point, buffer_a, world_a, api_client_for):
    mails = [add_mail(buffer_a, invoice_mail(n)) for n in range(5)]
    created = generate(point=point, message_ids=[m.pk for m in mails], employee=world_a.operator).created
    client = api_client_for(world_a.operator)
    seen, url = [], reverse("api:documents") + "?page_size=2"
    while url:
        body = client.get(url).json()
        assert len(body["results"]) <= 2
        seen += [d["id"] for d in body["results"]]
        url = body["next"]
    assert seen == list(reversed(created))


def test_the_document_list_costs_the_same_queries_for_one_or_many(point, buffer_a, world_a, api_client_for):
    client = api_client_for(world_a.operator)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("api:documents")).status_code == 200
        return len(captured)

    first = add_mail(buffer_a, invoice_mail(0))
    generate(point=point, message_ids=[first.pk], employee=world_a.operator)
    client.get(reverse("api:documents"))  # the token's first use is recorded once
    one = queries()
    more = [add_mail(buffer_a, invoice_mail(n)) for n in range(1, 8)]
    generate(point=point, message_ids=[m.pk for m in more], employee=world_a.operator)
    assert queries() == one
