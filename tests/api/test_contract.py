"""The API keeps the contract its OpenAPI schema publishes: schemathesis generates requests from the schema
(valid and invalid ones), sends them to the portal's WSGI application with an operator's and an
administrator's token, and checks every answer (all checks: no server error, documented status codes,
content types and headers, answers matching their schemas, invalid requests refused, valid ones accepted).
A stateful run then follows the schema's links from lists to details, so real ids are exercised too.

Bounded and derandomised (a fixed seed) so CI stays fast and a failure repeats.
"""

import logging

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from intake.wsgi import application
from tests import builders

EXAMPLES = 30  # per operation and role
STEPS = 8
RUNS = 20

# The schema as the portal publishes it, generated without a request (at collection no database is
# open); requests go to the WSGI application itself, the checks' own follow-up requests too.
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = application

BOUNDED = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def wsgi_calls():
    """The real WSGI application, called in the test's transaction: Django's own test client keeps the
    connection open the same way (closing it would end the test's database)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    quiet = logging.getLogger("django.request")
    level, quiet.level = quiet.level, logging.ERROR  # 4xx answers are the point here, not news
    yield
    quiet.level = level
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


_current = {}  # the token of the running test


@schema.auth(refresh_interval=None)
class TokenAuth:
    """Registered as the schema's auth, so that the auth checks know which header to leave out or spoil.
    Cases are also generated while collecting, before any token exists: they carry a stand-in, which
    `_with_token` replaces with the running test's token."""

    def get(self, case, context):
        return _current.get("token", "stand-in")

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _with_token(case):
    if case.headers and "Authorization" in case.headers:  # a case without it tests exactly that
        case.headers["Authorization"] = f"Bearer {_current['token']}"
    return case


@pytest.fixture(params=["operator", "admin"])
def token(request, alpha, world_a, wsgi_calls):
    """A token of an operator of the point (with a new mail and a generated document), or of the
    tenant's administrator."""
    _, _current["token"] = builders.issue_token(getattr(world_a, request.param), name="contract")
    yield _current["token"]
    _current.clear()


@schema.parametrize()
@BOUNDED
def test_every_answer_keeps_the_published_contract(case, token):
    _with_token(case).call_and_validate()


def test_following_the_links_from_lists_to_details_keeps_the_contract(token):
    class Workflow(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            _with_token(case)
            return {}

    run_state_machine_as_test(
        Workflow,
        settings=settings(
            max_examples=RUNS,
            stateful_step_count=STEPS,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
