"""A mail removed from the list (hidden, or deleted on the server) is gone for operators everywhere: its
page, its attachments' downloads and previews, on the pages and in the API, answer exactly as for an id
that never existed."""

import pytest
from django.urls import reverse

from acd_points import actions
from mailboxes.models import Attachment, Message
from tests import builders
from tests.api.client import api_client

NOWHERE = 987654321


@pytest.fixture
def point(make_point, world_a):
    return make_point(employees=[world_a.operator])


@pytest.fixture
def mail(buffer_a, invoice_with_logo):
    return builders.add_mail(buffer_a, invoice_with_logo)


def _first_attachment(mail):
    return Attachment.all_tenants.filter(message=mail).order_by("position").first()


def _page_urls(point, mail_id, attachment_id):
    return [
        reverse("acd:mail", args=[point.pk, mail_id]),
        reverse("acd:attachment", args=[point.pk, attachment_id, "download"]),
        reverse("acd:attachment", args=[point.pk, attachment_id, "preview"]),
    ]


def _api_urls(point, mail_id, attachment_id):
    return [
        reverse("api:point-mail", args=[point.pk, mail_id]),
        reverse("api:attachment-file", args=[point.pk, attachment_id]),
    ]


def _remove(point, mail, how):
    if how == "hidden":
        assert actions.delete_from_list(point=point, message_ids=[mail.pk]) == 1
    else:  # the operator's "delete from list and mailbox", once the server deleted it
        Message.all_tenants.filter(pk=mail.pk).update(state=Message.State.DELETED_ON_SERVER)


def test_a_listed_mail_and_its_attachments_open(point, mail, client_for, world_a):
    attachment = _first_attachment(mail)
    client = client_for(world_a.operator)
    for url in _page_urls(point, mail.pk, attachment.pk):
        assert client.get(url).status_code == 200, url
    _, raw = builders.issue_token(world_a.operator)
    for url in _api_urls(point, mail.pk, attachment.pk):
        assert api_client(raw).get(url).status_code == 200, url


@pytest.mark.parametrize("how", ["hidden", "deleted_on_server"])
def test_pages_of_a_removed_mail_answer_as_for_a_mail_that_never_existed(
    point, mail, client_for, world_a, how
):
    attachment = _first_attachment(mail)
    _remove(point, mail, how)
    client = client_for(world_a.operator)
    real = _page_urls(point, mail.pk, attachment.pk)
    for url, nowhere in zip(real, _page_urls(point, NOWHERE, NOWHERE), strict=True):
        answer = client.get(url)
        assert answer.status_code == 404, url
        assert answer.content == client.get(nowhere).content, url


@pytest.mark.parametrize("how", ["hidden", "deleted_on_server"])
@pytest.mark.parametrize("who", ["operator", "admin"])
def test_the_api_answers_for_a_removed_mail_as_for_one_that_never_existed(point, mail, world_a, how, who):
    attachment = _first_attachment(mail)
    _remove(point, mail, how)
    client = api_client(builders.issue_token(getattr(world_a, who))[1])
    real = _api_urls(point, mail.pk, attachment.pk)
    for url, nowhere in zip(real, _api_urls(point, NOWHERE, NOWHERE), strict=True):
        answer = client.get(url)
        assert answer.status_code == 404, url
        assert answer.content == client.get(nowhere).content, url


def test_an_unknown_disposition_is_not_found(point, mail, client_for, world_a):
    attachment = _first_attachment(mail)
    url = reverse("acd:attachment", args=[point.pk, attachment.pk, "inline"])
    assert client_for(world_a.operator).get(url).status_code == 404


def test_the_one_rule_in_access_matches_the_list(point, mail, buffer_a, world_a):
    from acd_points import access
    from intake.tenancy import tenant_context

    with tenant_context(world_a.tenant):
        assert set(access.visible_attachments(buffer_a)) == set(Attachment.all_tenants.filter(message=mail))
        actions.delete_from_list(point=point, message_ids=[mail.pk])
        assert not access.visible_attachments(buffer_a).exists()
        assert not access.visible_mail(buffer_a).exists()
