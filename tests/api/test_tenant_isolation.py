import pytest
from django.urls import reverse

from acd_points.models import AcdPoint
from intake.models import Document
from mailboxes.models import Message
from tests.api.client import call
from tests.builders import add_mail, another_buffer, invoice_mail

NOWHERE = 987654321


@pytest.fixture
def beta_point(world_b):
    point = AcdPoint.all_tenants.create(
        tenant=world_b.tenant, name="Beta invoices", buffer=another_buffer(world_b)
    )
    point.employees.through.objects.create(acdpoint=point, employee=world_b.operator)
    return point


@pytest.mark.parametrize("nowhere", [NOWHERE, 2**70], ids=["unused-id", "beyond-64-bits"])
@pytest.mark.parametrize("who", ["admin", "operator"])
def test_another_companys_token_gets_404_on_every_id_exactly_as_for_ids_that_do_not_exist(
    alpha, world_b, beta_point, api_client_for, who, nowhere
):
    client = api_client_for(getattr(world_b, who))
    real = alpha.endpoints()
    guessed = alpha.endpoints(point=nowhere, mail=nowhere, attachment=nowhere, document=nowhere, file=nowhere)
    for (method, url, body), (_, nowhere_url, nowhere_body) in zip(real, guessed, strict=True):
        response = call(client, method, url, body)
        assert response.status_code == 404, url
        assert response.content == call(client, method, nowhere_url, nowhere_body).content, url
    assert Message.all_tenants.get(pk=alpha.mail.pk).state == Message.State.NEW


def test_another_companys_mail_and_attachment_ids_are_404_through_ones_own_point(
    alpha, world_b, beta_point, api_client_for
):
    client = api_client_for(world_b.operator)
    assert client.get(reverse("api:point", args=[beta_point.pk])).status_code == 200
    assert client.get(reverse("api:point-mail", args=[beta_point.pk, alpha.mail.pk])).status_code == 404
    assert (
        client.get(reverse("api:attachment-file", args=[beta_point.pk, alpha.attachment.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("api:document-file", args=[alpha.document.pk, alpha.document_file.pk])).status_code
        == 404
    )


def test_generating_another_companys_mails_through_ones_own_point_skips_them(
    alpha, world_b, beta_point, api_client_for
):
    response = api_client_for(world_b.operator).post(
        reverse("api:point-generate", args=[beta_point.pk]), {"mails": [alpha.mail.pk]}, format="json"
    )
    assert (response.status_code, response.json()) == (
        200,
        {"created": [], "skipped": [alpha.mail.pk], "refused": [], "without_files": []},
    )
    assert Message.all_tenants.get(pk=alpha.mail.pk).state == Message.State.NEW
    assert not Document.all_tenants.filter(tenant=world_b.tenant).exists()


def test_lists_show_only_the_tokens_company(alpha, world_b, beta_point, api_client_for):
    add_mail(beta_point.buffer, invoice_mail(99))
    client = api_client_for(world_b.admin)
    assert [p["id"] for p in client.get(reverse("api:points")).json()] == [beta_point.pk]
    assert client.get(reverse("api:documents")).json()["results"] == []
    mails = client.get(reverse("api:point-mails", args=[beta_point.pk])).json()["results"]
    assert [m["subject"] for m in mails] == ["Faktura 99/2026"]
