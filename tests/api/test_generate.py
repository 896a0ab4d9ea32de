import pytest
from django.urls import reverse

from acd_points.models import PointDocument
from intake.models import Document
from mailboxes.models import Message
from tests.builders import add_mail, invoice_mail


@pytest.fixture
def generate_url(point):
    return reverse("api:point-generate", args=[point.pk])


def test_generating_creates_one_document_per_mail_and_a_second_call_skips_them(
    point, buffer_a, world_a, api_client_for, generate_url
):
    mails = [add_mail(buffer_a, invoice_mail(n)) for n in (1, 2)]
    ids = [m.pk for m in mails]
    client = api_client_for(world_a.operator)
    first = client.post(generate_url, {"mails": ids}, format="json")
    assert first.status_code == 201
    created = first.json()["created"]
    assert len(created) == 2 and first.json()["skipped"] == []
    links = PointDocument.all_tenants.filter(document_id__in=created)
    assert sorted(links.values_list("message_id", flat=True)) == sorted(ids)
    assert all(d.created_by == world_a.operator for d in Document.all_tenants.filter(pk__in=created))
    again = client.post(generate_url, {"mails": ids}, format="json")
    assert (again.status_code, again.json()) == (
        200,
        {"created": [], "skipped": ids, "refused": [], "without_files": []},
    )
    assert Document.all_tenants.count() == 2
    assert set(Message.all_tenants.values_list("state", flat=True)) == {Message.State.GENERATED}


def test_a_mail_listed_twice_in_one_call_gets_one_document(
    point, buffer_a, world_a, api_client_for, generate_url
):
    mail = add_mail(buffer_a, invoice_mail(1))
    response = api_client_for(world_a.operator).post(
        generate_url, {"mails": [mail.pk, mail.pk]}, format="json"
    )
    assert response.status_code == 201
    assert len(response.json()["created"]) == 1 and response.json()["skipped"] == []
    assert Document.all_tenants.count() == 1


def test_the_generated_document_is_reachable_from_the_mail_and_the_documents(
    point, buffer_a, world_a, api_client_for, generate_url
):
    mail = add_mail(buffer_a, invoice_mail(3))
    client = api_client_for(world_a.operator)
    [document_id] = client.post(generate_url, {"mails": [mail.pk]}, format="json").json()["created"]
    assert client.get(reverse("api:point-mail", args=[point.pk, mail.pk])).json()["document"] == document_id
    document = client.get(reverse("api:document", args=[document_id])).json()
    assert (document["point"], document["mail"], document["created_by"]) == (
        point.pk,
        mail.pk,
        "Operator alpha",
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"mails": []},
        {"mails": "1"},
        {"mails": ["x"]},
        {"mails": [0]},
        {"mails": [2**64]},
        {"mails": [1] * 501},
    ],
    ids=["missing", "empty", "not-a-list", "not-ids", "zero", "too-large", "too-many"],
)
def test_an_invalid_request_is_refused_with_400_and_changes_nothing(
    point, buffer_a, world_a, api_client_for, generate_url, body
):
    add_mail(buffer_a, invoice_mail(1))
    response = api_client_for(world_a.operator).post(generate_url, body, format="json")
    assert response.status_code == 400
    assert not Document.all_tenants.exists()


def test_only_json_is_accepted(point, world_a, api_client_for, generate_url):
    response = api_client_for(world_a.operator).post(generate_url, {"mails": "1"})  # multipart form
    assert response.status_code == 415
