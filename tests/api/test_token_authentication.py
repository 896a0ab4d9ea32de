import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse

from acd_points.api import tokens
from acd_points.models import ApiToken

POINTS = reverse("api:points")


@pytest.fixture
def issued(world_a, point):
    return tokens.issue(employee=world_a.operator, name="ERP production")


def test_a_request_without_a_token_is_refused_with_401_and_a_bearer_challenge(anonymous_api_client, point):
    response = anonymous_api_client().get(POINTS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer nonsense",
        "Bearer ipt_000000000000.not-the-secret",
        "Bearer",
        "Bearer two parts",
        "Basic dXNlcjpwYXNz",
    ],
)
def test_a_malformed_or_unknown_token_is_refused_with_401(anonymous_api_client, point, header):
    client = anonymous_api_client()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(POINTS).status_code == 401


def test_the_right_prefix_with_a_wrong_secret_is_refused(anonymous_api_client, issued):
    token, raw = issued
    assert anonymous_api_client(f"{token.prefix}.{'x' * 43}").get(POINTS).status_code == 401
    assert anonymous_api_client(raw).get(POINTS).status_code == 200


def test_both_bearer_and_token_keywords_are_accepted(anonymous_api_client, issued):
    _, raw = issued
    assert anonymous_api_client(raw, "Bearer").get(POINTS).status_code == 200
    assert anonymous_api_client(raw, "Token").get(POINTS).status_code == 200


def test_a_revoked_token_is_refused(anonymous_api_client, issued):
    token, raw = issued
    assert tokens.revoke(token_ids=[token.pk]) == 1
    assert anonymous_api_client(raw).get(POINTS).status_code == 401


@pytest.mark.parametrize("deactivate", ["employee", "user", "tenant"])
def test_a_token_stops_working_when_its_employee_login_or_company_is_deactivated(
    anonymous_api_client, issued, world_a, deactivate
):
    _, raw = issued
    target = {"employee": world_a.operator, "user": world_a.operator.user, "tenant": world_a.tenant}[
        deactivate
    ]
    type(target)._base_manager.filter(pk=target.pk).update(is_active=False)
    assert anonymous_api_client(raw).get(POINTS).status_code == 401


def test_the_secret_is_stored_only_as_its_sha256(issued):
    token, raw = issued
    prefix, _, secret = raw.partition(".")
    stored = ApiToken.all_tenants.filter(pk=token.pk).values().get()
    assert stored["prefix"] == prefix
    assert stored["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert not any(secret in str(value) for value in stored.values())


def test_using_a_token_records_when_it_was_last_used(anonymous_api_client, issued):
    token, raw = issued
    assert token.last_used_at is None
    anonymous_api_client(raw).get(POINTS)
    token.refresh_from_db()
    assert token.last_used_at is not None
    # Not a write per request: within the minute the mark stays; after it, it moves on.
    first = token.last_used_at
    anonymous_api_client(raw).get(POINTS)
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.all_tenants.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=5))
    anonymous_api_client(raw).get(POINTS)
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(minutes=5)


def test_a_logged_in_browser_session_does_not_open_the_api(client_for, world_a, point):
    assert client_for(world_a.operator).get(POINTS).status_code == 401


def test_a_token_acts_in_its_employees_tenant_even_for_a_login_of_several_companies(
    anonymous_api_client, world_a, world_b, make_point
):
    from intake.models import Employee
    from intake.tenants import add_employee

    # The operator of alpha also works for beta, with the same login.
    in_beta = add_employee(
        tenant=world_b.tenant, username=world_a.operator.user.username, role=Employee.Role.OPERATOR
    )
    alpha_point = make_point(employees=[world_a.operator])
    _, raw = tokens.issue(employee=in_beta, name="beta ERP")
    client = anonymous_api_client(raw)
    assert client.get(reverse("api:point", args=[alpha_point.pk])).status_code == 404
    assert client.get(POINTS).status_code == 404  # no point in beta: no ACD area there
