"""Failed token checks are throttled per client address (acd_points/api/authentication.py)."""

import pytest
from django.urls import reverse

from acd_points.api.authentication import FailedTokenThrottle
from tests.api.client import api_client
from tests.builders import issue_token

POINTS = reverse("api:points")
WRONG = "ipt_000000000000.not-the-secret"


@pytest.fixture(autouse=True)
def three_failures_a_minute(monkeypatch):
    monkeypatch.setattr(FailedTokenThrottle, "THROTTLE_RATES", {"failed_token": "3/minute"})


def get(raw, address="192.0.2.10"):
    return api_client(raw).get(POINTS, REMOTE_ADDR=address)


def test_an_address_guessing_tokens_is_told_to_wait_even_with_a_right_one(point, world_a):
    _, raw = issue_token(world_a.operator)
    assert [get(WRONG).status_code for _ in range(3)] == [401, 401, 401]
    refused = get(WRONG)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert get(raw).status_code == 429  # a guess that happens to be right learns nothing either
    assert get(raw, address="192.0.2.11").status_code == 200  # other addresses are not held up


def test_working_tokens_never_count(point, world_a):
    _, raw = issue_token(world_a.operator)
    assert {get(raw).status_code for _ in range(10)} == {200}
    assert [get(WRONG).status_code for _ in range(3)] == [401, 401, 401]


@pytest.mark.parametrize("header", ["Bearer", "Bearer two parts", "Token ipt_0.x"])
def test_malformed_headers_count_as_failures(point, header):
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert [client.get(POINTS).status_code for _ in range(4)] == [401, 401, 401, 429]


def test_requests_without_a_token_are_not_guesses(point):
    assert {api_client().get(POINTS).status_code for _ in range(5)} == {401}
