"""Stored task failures (django-celery-results rows), for the admin's pages."""

import uuid

from django_celery_results.models import TaskResult


def another_task_failure(world) -> TaskResult:
    """A failed task's row; its id names the world's tenant (rows have no tenant), so the URL sweep can
    tell whose it is."""
    return TaskResult.objects.create(
        task_id=f"{world.tenant.slug}-{uuid.uuid4().hex}",
        task_name="acd_points.tasks.run_follow_up_work",
        status="FAILURE",
        result='{"exc_type": "ValueError", "exc_message": ["boom"], "exc_module": "builtins"}',
    )
