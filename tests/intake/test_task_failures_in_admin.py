"""A worker task that fails leaves a row (django-celery-results) that platform superusers see in the
admin, with the exception's type and a short message; tenant administrators see nothing of it, and a
task that succeeds stores nothing.

The tasks run eagerly (`apply()`), through the same tracer a worker uses: with results ignored, only
CELERY_TASK_STORE_ERRORS_EVEN_IF_IGNORED decides whether a failure is stored.
"""

import json

import pytest
from django.urls import reverse
from django_celery_results.models import TaskResult

from acd_points.tasks import run_due_follow_up_work, run_follow_up_work
from intake.task_results import MESSAGE_LIMIT, failure_of

NOWHERE = 987654321
CHANGELIST = reverse("admin:django_celery_results_taskresult_changelist")


def _failed_task() -> TaskResult:
    """A real task given an id it cannot use (as a message of an older release might carry)."""
    outcome = run_follow_up_work.apply(args=[["not-an-id"]])
    assert outcome.state == "FAILURE"
    return TaskResult.objects.get(task_id=outcome.id)


@pytest.fixture
def superuser_client(client_for, django_user_model):
    return client_for(django_user_model.objects.create_superuser("root", "root@example.com", "x"))


def test_a_failed_task_is_stored_and_listed_for_platform_superusers(db, superuser_client):
    failure = _failed_task()
    assert (failure.status, failure.task_name) == ("FAILURE", "acd_points.tasks.run_follow_up_work")
    assert failure.date_done is not None

    listed = superuser_client.get(CHANGELIST)
    assert listed.status_code == 200
    assert list(listed.context["cl"].queryset) == [failure]
    page = listed.content.decode()
    assert "acd_points.tasks.run_follow_up_work" in page and "ValueError" in page
    assert "expected a number but got" in page
    detail = superuser_client.get(reverse("admin:django_celery_results_taskresult_change", args=[failure.pk]))
    assert detail.status_code == 200
    for page in (listed.content.decode(), detail.content.decode()):
        assert "Traceback" not in page and "get_prep_value" not in page  # the traceback is never shown


def test_the_list_is_read_only_even_for_superusers(db, superuser_client):
    failure = _failed_task()
    change = reverse("admin:django_celery_results_taskresult_change", args=[failure.pk])
    delete = reverse("admin:django_celery_results_taskresult_delete", args=[failure.pk])
    assert superuser_client.post(change, {"status": "SUCCESS"}).status_code == 403
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    assert superuser_client.get(reverse("admin:django_celery_results_taskresult_add")).status_code == 403
    assert TaskResult.objects.get(pk=failure.pk).status == "FAILURE"


def test_a_tenant_administrator_sees_no_task_failure(world_a, client_for):
    failure = _failed_task()
    client = client_for(world_a.admin)
    assert client.get(CHANGELIST).status_code == 403
    answers = [
        client.get(reverse("admin:django_celery_results_taskresult_change", args=[pk])).status_code
        for pk in (failure.pk, NOWHERE)
    ]
    assert answers == [403, 403]  # the row answers as an id that does not exist
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200 and CHANGELIST not in index.content.decode()


def test_a_successful_task_stores_nothing(db):
    assert run_due_follow_up_work.apply().state == "SUCCESS"
    assert not TaskResult.objects.exists()


def test_the_shown_message_is_bounded():
    stored = TaskResult(result=json.dumps({"exc_type": "OSError", "exc_message": ["x" * 5000]}))
    kind, message = failure_of(stored)
    assert kind == "OSError" and len(message) == MESSAGE_LIMIT and message.endswith("…")
    assert failure_of(TaskResult(result="not json")) == ("", "")
