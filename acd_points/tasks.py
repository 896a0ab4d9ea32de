"""Celery tasks: thin entry points into acd_points.follow_up."""

from celery import shared_task

from acd_points import follow_up


@shared_task(ignore_result=True)
def run_follow_up_work(ids: list[int] | None = None):
    follow_up.run_due(ids=ids)


@shared_task(ignore_result=True)
def run_due_follow_up_work():
    follow_up.run_due()
