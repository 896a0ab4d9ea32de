from django.urls import reverse
from rest_framework.throttling import UserRateThrottle


def test_a_token_sending_too_many_requests_is_told_to_wait(point, world_a, api_client_for, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/minute"})
    client = api_client_for(world_a.operator)
    answers = [client.get(reverse("api:points")).status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    assert int(client.get(reverse("api:points"))["Retry-After"]) > 0
