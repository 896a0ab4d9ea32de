"""The workspace's fixtures (buffer_a, make_point, invoice_with_logo, own_file_area) come from
tests/fixtures/points.py; the builders are in tests/builders/, the API client helpers in
tests/api/client.py."""

import pytest
from django.core.cache import cache

from tests import builders
from tests.api.client import api_client


@pytest.fixture(autouse=True)
def private_file_area(own_file_area):
    """Every test here keeps its ACD files under its own tmp_path."""


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    # Throttling counts requests in the cache, which outlives a test; each test starts at zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client_for(db):
    """An API client authenticated with a fresh token of `employee`."""

    def make(employee, *, keyword="Bearer"):
        _, raw = builders.issue_token(employee, name="ERP")
        return api_client(raw, keyword)

    return make


@pytest.fixture
def anonymous_api_client():
    return api_client


@pytest.fixture
def point(make_point, world_a):
    """Tenant alpha's point, granted to its operator."""
    return make_point(employees=[world_a.operator])


@pytest.fixture
def alpha(point, buffer_a, world_a, invoice_with_logo):
    """A point of tenant alpha with a new mail (two attachments) and a document generated from another."""
    return builders.make_point_data(point, buffer_a, employee=world_a.operator, mail=invoice_with_logo)
