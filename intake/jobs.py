"""Background jobs that services start once their transaction commits, without importing task modules.

A service declares a `Job` and calls `start_after_commit`; its app's `AppConfig.ready()` connects the job
to the Celery task that runs it. Tasks import services, never the other way round, so the import graph
stays one-way (the one idiom for "run this in a worker after the commit").

Handing over never fails the caller: every job's work is recorded in the database before it is handed
over, and beat sweeps what is due, so a broker that is down only delays the work. The Celery settings
bound the hand-over (socket and connection timeouts, one publish retry), so a broker that accepts the
connection and never answers costs the request seconds, not a hang.
"""

import logging
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

logger = logging.getLogger(__name__)

REASON_LIMIT = 200  # a broker's error text, cut: the log line says what happened, not every detail


class Job:
    def __init__(self, name: str):
        self.name = name
        self._start: Callable | None = None

    def connect(self, start: Callable) -> None:
        """`start(*args)` hands the work to a worker (e.g. a task's `delay`); called in AppConfig.ready()."""
        self._start = start

    def start_after_commit(self, *args) -> None:
        """Hand the work over once the current transaction commits (at once outside one); never raises
        for a broker outage, whether inside a transaction or not."""
        start = self._start
        if start is None:
            raise ImproperlyConfigured(f"the job {self.name!r} is not connected to a task")
        # robust: should anything escape _hand_over, Django logs it instead of failing the caller.
        transaction.on_commit(lambda: self._hand_over(start, args), robust=True)

    def _hand_over(self, start: Callable, args: tuple) -> None:
        try:
            start(*args)
        except Exception as error:  # kombu, redis-py and socket errors alike mean "the broker is not there"
            reason = f"{type(error).__name__}: {error}"[:REASON_LIMIT]
            logger.warning(
                "%s: the broker did not take the work (%s); it waits in the database; "
                "beat runs it when the broker is back",
                self.name,
                reason,
            )
