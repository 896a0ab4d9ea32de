"""An employee's own API tokens from the profile: issued and shown once (never cached, never after a
redirect), listed with their use, revoked; nobody else's token is reachable, and the number is bounded."""

import pytest
from django.urls import reverse

from acd_points.api import tokens
from acd_points.api.token_pages import LIVE_TOKENS_LIMIT
from acd_points.models import ApiToken
from tests import builders

URL = reverse("acd:api-tokens")


@pytest.fixture
def operator(world_a, make_point):
    make_point(employees=[world_a.operator])  # an ACD area: the API has something to give
    return world_a.operator


def test_the_profile_links_to_the_tokens_and_the_reference(operator, client_for):
    page = client_for(operator).get(reverse("profile")).content.decode()
    assert URL in page and reverse("api-reference") in page


def test_a_token_is_issued_shown_once_and_works(operator, client_for):
    client = client_for(operator)
    answer = client.post(URL, {"name": "ERP production"})
    assert answer.status_code == 200  # the page itself, not a redirect carrying the secret
    assert "no-store" in answer["Cache-Control"]
    raw = answer.context["shown_once"]
    assert raw in answer.content.decode()
    assert tokens.check(raw).employee == operator
    again = client.get(URL).content.decode()
    assert raw not in again and "ERP production" in again  # listed by name and prefix only
    assert raw.split(".")[0] in again


def test_revoking_ones_own_token_stops_it(operator, client_for):
    token, raw = builders.issue_token(operator, name="old ERP")
    answer = client_for(operator).post(reverse("acd:revoke-api-token", args=[token.pk]), follow=True)
    assert "old ERP" in answer.content.decode()
    assert tokens.check(raw) is None


def test_another_employees_token_cannot_be_revoked_or_seen(operator, world_a, world_b, client_for):
    colleague, _ = builders.issue_token(world_a.admin, name="admin's ERP")
    stranger, _ = builders.issue_token(world_b.operator, name="beta ERP")
    client = client_for(operator)
    for token in (colleague, stranger):
        assert client.post(reverse("acd:revoke-api-token", args=[token.pk])).status_code == 404
    page = client.get(URL).content.decode()
    assert "admin's ERP" not in page and "beta ERP" not in page
    assert not ApiToken.all_tenants.filter(is_revoked=True).exists()  # test: across tenants


def test_an_employee_without_an_acd_area_has_no_token_page(world_a, client_for):
    assert client_for(world_a.operator).get(URL).status_code == 404


def test_revoking_needs_a_post(operator, client_for):
    token, _ = builders.issue_token(operator, name="ERP")
    assert client_for(operator).get(reverse("acd:revoke-api-token", args=[token.pk])).status_code == 405


def test_the_number_of_live_tokens_is_bounded(operator, client_for):
    for n in range(LIVE_TOKENS_LIMIT):
        builders.issue_token(operator, name=f"ERP {n}")
    answer = client_for(operator).post(URL, {"name": "one too many"})
    assert answer.context["shown_once"] == "" and "revoke one" in answer.content.decode()
    assert ApiToken.all_tenants.filter(employee=operator).count() == LIVE_TOKENS_LIMIT  # test: checks rows


def test_a_name_is_required_and_bounded(operator, client_for):
    client = client_for(operator)
    for name in ("", "x" * 121):
        answer = client.post(URL, {"name": name})
        assert answer.context["form"].errors and not answer.context["shown_once"]
