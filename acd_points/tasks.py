"""Celery tasks: thin wrappers around acd_points.work."""

from celery import shared_task

from acd_points import work


@shared_task(ignore_result=True)
def run_pending_work(ids: list[int] | None = None):
    work.run_due(ids=ids)


@shared_task(ignore_result=True)
def run_due_pending_work():
    work.run_due()
