"""The API's generate takes the operator's choice of attachments per mail, as the mail page does:
{"mails": [...], "attachments": {"<mail id>": [attachment ids]}}; wrong choices are 400 with field
errors, and the point's "one document per attachment" shows in the answer and on the mail."""

import pytest
from django.urls import reverse

from intake.models import Document, DocumentFile
from mailboxes.models import Attachment, Message
from tests.builders import PDF, PNG, add_mail, invoice_mail
from tests.builders.points import make_acd_point

TWO = [("FV-1.pdf", PDF), ("skan.png", PNG)]


@pytest.fixture
def generate_url(point):
    return reverse("api:point-generate", args=[point.pk])


@pytest.fixture
def mail(buffer_a):
    return add_mail(buffer_a, invoice_mail(1, attachments=TWO))


def _ids(mail):
    return list(Attachment.all_tenants.filter(message=mail).order_by("position").values_list("pk", flat=True))


def _names(document_ids):
    stored = DocumentFile.all_tenants.filter(document_id__in=document_ids).order_by("pk")
    return list(stored.values_list("original_name", flat=True))


def test_the_chosen_attachments_go_onto_the_document(point, mail, world_a, api_client_for, generate_url):
    _, png = _ids(mail)
    body = {"mails": [mail.pk], "attachments": {str(mail.pk): [png]}}
    answer = api_client_for(world_a.operator).post(generate_url, body, format="json")
    assert answer.status_code == 201
    assert _names(answer.json()["created"]) == ["skan.png"]
    detail = api_client_for(world_a.operator).get(reverse("api:point-mail", args=[point.pk, mail.pk])).json()
    assert [entry["detail"] for entry in detail["history"]] == ["skan.png"]


def test_an_empty_choice_is_refused_with_its_code_where_documents_need_files(
    point, mail, world_a, api_client_for, generate_url
):
    body = {"mails": [mail.pk], "attachments": {str(mail.pk): []}}
    answer = api_client_for(world_a.operator).post(generate_url, body, format="json")
    assert (answer.status_code, answer.json()["code"]) == (422, "none_chosen")
    assert Message.all_tenants.get(pk=mail.pk).state == Message.State.NEW


@pytest.mark.parametrize(
    "attachments",
    [
        {"abc": [1]},
        {"1": ["x"]},
        {"1": [0]},
        [1, 2],
    ],
)
def test_malformed_choices_are_400_with_field_errors(
    point, mail, world_a, api_client_for, generate_url, attachments
):
    body = {"mails": [mail.pk], "attachments": attachments}
    answer = api_client_for(world_a.operator).post(generate_url, body, format="json")
    assert answer.status_code == 400 and "attachments" in answer.json()
    assert not Document.all_tenants.exists()


def test_a_choice_for_a_mail_not_generated_is_400(point, mail, world_a, api_client_for, generate_url):
    body = {"mails": [mail.pk], "attachments": {str(mail.pk + 1000): []}}
    answer = api_client_for(world_a.operator).post(generate_url, body, format="json")
    assert answer.status_code == 400
    assert list(answer.json()["attachments"]) == [str(mail.pk + 1000)]


def test_another_mails_attachment_is_400_naming_it(
    point, mail, buffer_a, world_a, api_client_for, generate_url
):
    other = add_mail(buffer_a, invoice_mail(2))
    [foreign] = _ids(other)
    body = {"mails": [mail.pk], "attachments": {str(mail.pk): [foreign]}}
    answer = api_client_for(world_a.operator).post(generate_url, body, format="json")
    assert answer.status_code == 400
    assert str(foreign) in answer.json()["attachments"][str(mail.pk)][0]
    assert (
        not Document.all_tenants.exists() and Message.all_tenants.get(pk=mail.pk).state == Message.State.NEW
    )


def test_an_attachment_that_cannot_be_copied_is_400(point, mail, world_a, api_client_for, generate_url):
    pdf, _ = _ids(mail)
    Attachment.all_tenants.filter(pk=pdf).update(problem=Attachment.Problem.ENCRYPTED)
    body = {"mails": [mail.pk], "attachments": {str(mail.pk): [pdf]}}
    assert api_client_for(world_a.operator).post(generate_url, body, format="json").status_code == 400


def test_too_many_chosen_ids_are_refused(point, mail, world_a, api_client_for, generate_url):
    body = {"mails": [mail.pk], "attachments": {str(mail.pk): list(range(1, 1002))}}
    answer = api_client_for(world_a.operator).post(generate_url, body, format="json")
    assert answer.status_code == 400 and "attachments" in answer.json()


def test_one_document_per_attachment_through_the_api(buffer_a, mail, world_a, api_client_for):
    point = make_acd_point(
        world_a.tenant,
        buffer=buffer_a,
        name="Split",
        employees=[world_a.operator],
        document_per_attachment=True,
    )
    client = api_client_for(world_a.operator)
    assert client.get(reverse("api:point", args=[point.pk])).json()["document_per_attachment"] is True
    answer = client.post(reverse("api:point-generate", args=[point.pk]), {"mails": [mail.pk]}, format="json")
    created = answer.json()["created"]
    assert answer.status_code == 201 and len(created) == 2
    detail = client.get(reverse("api:point-mail", args=[point.pk, mail.pk])).json()
    assert (detail["document"], detail["documents"]) == (created[0], created)
    for document_id in created:
        assert client.get(reverse("api:document", args=[document_id])).json()["mail"] == mail.pk


def test_the_schema_documents_the_choice(db, anonymous_api_client):
    schema = anonymous_api_client().get(reverse("api:schema"), {"format": "json"}).json()
    request = schema["components"]["schemas"]["GenerateRequest"]["properties"]["attachments"]
    assert request["type"] == "object" and request["additionalProperties"]["type"] == "array"
    assert "mail id" in request["description"]
