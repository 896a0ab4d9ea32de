import pytest
from django.test import Client

from tests.factories import make_tenant_world

pytest_plugins = ["tests.servers.fixtures"]


@pytest.fixture
def world_a(db):
    return make_tenant_world("alpha")


@pytest.fixture
def world_b(db):
    return make_tenant_world("beta")


def _client_for(employee_or_user):
    client = Client()
    client.force_login(getattr(employee_or_user, "user", employee_or_user))
    return client


@pytest.fixture
def client_for():
    """A logged-in test client for an Employee (or a plain user)."""
    return _client_for
