"""Background jobs that services start once their transaction commits, without importing task modules.

A service declares a `Job` and calls `start_after_commit`; its app's `AppConfig.ready()` connects the job
to the Celery task that runs it. Tasks import services, never the other way round, so the import graph
stays one-way (the one idiom for "run this in a worker after the commit").
"""

import logging
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

logger = logging.getLogger(__name__)


class Job:
    def __init__(self, name: str):
        self.name = name
        self._start: Callable | None = None

    def connect(self, start: Callable) -> None:
        """`start(*args)` hands the work to a worker (e.g. a task's `delay`); called in AppConfig.ready()."""
        self._start = start

    def start_after_commit(self, *args) -> None:
        """Hand the work over once the current transaction commits (at once outside one).

        Robust: a broker outage must not fail the transaction's caller; every job's work is recorded in
        the database and beat sweeps what is due, so nothing is lost, only later.
        """
        start = self._start
        if start is None:
            raise ImproperlyConfigured(f"the job {self.name!r} is not connected to a task")
        transaction.on_commit(lambda: start(*args), robust=True)
