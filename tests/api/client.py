"""Talking to the API in tests: clients with (or without) a token, and one call helper for any method."""

from rest_framework.test import APIClient


def api_client(raw_token: str | None = None, keyword: str = "Bearer") -> APIClient:
    client = APIClient()
    if raw_token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"{keyword} {raw_token}")
    return client


def call(client, method, url, body=None):
    return (
        getattr(client, method)(url, body, format="json")
        if body is not None
        else getattr(client, method)(url)
    )
