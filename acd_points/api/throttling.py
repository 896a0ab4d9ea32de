"""API rate limits counted atomically in the shared cache, so that a limit holds across processes.

DRF's SimpleRateThrottle keeps a list of request times per client and writes it back (get, then set):
processes sharing one cache overwrite each other's requests, so three gunicorn workers let three times
the rate through, and with the default per-process cache every worker counts on its own. Here a window
is one counter raised with the cache's atomic `incr` (Redis INCRBY), and the rate is judged over a
sliding window: this window's count plus the previous window's, weighted by how much of it still lies
within the last `duration` seconds (the usual sliding-window-counter estimate, so a burst at a window's
edge cannot double the rate). A request over the rate takes its count back: refused requests don't
lengthen the wait.

The cache is `CACHE_URL` (settings): Redis in production makes the rate per user however many
processes and machines serve the API; the embedded default (memory of one process) suits `make run`'s
single web process. If the cache cannot be reached the request is let through, with a warning: a rate
limit is no reason to stop the integrations.
"""

import contextlib
import logging
import math

from django.core.cache import cache as default_cache
from rest_framework import throttling
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class WindowCounter:
    """Requests of one client in fixed windows of `duration` seconds, read as a sliding window."""

    def __init__(self, key: str, limit: int, duration: int, *, cache=default_cache):
        self.key, self.limit, self.duration, self.cache = key, limit, duration, cache

    def _window(self, now: float) -> tuple[int, float]:
        index = int(now // self.duration)
        return index, (now - index * self.duration) / self.duration  # which window, how far into it

    def _count_key(self, index: int) -> str:
        return f"{self.key}:{index}"

    def _estimate(self, previous: int, current: int, into: float) -> float:
        return previous * (1.0 - into) + current

    def used(self, now: float) -> float:
        index, into = self._window(now)
        counts = self.cache.get_many([self._count_key(index - 1), self._count_key(index)])
        return self._estimate(
            counts.get(self._count_key(index - 1), 0), counts.get(self._count_key(index), 0), into
        )

    def hit(self, now: float) -> int:
        """Counts one request in the current window; the window's count after it."""
        key = self._count_key(self._window(now)[0])
        timeout = 2 * self.duration + 1  # a window is read again as the previous one
        for _ in range(3):
            self.cache.add(key, 0, timeout=timeout)
            try:
                return self.cache.incr(key)
            except ValueError:  # expired between add and incr: add it again
                continue
        return 1

    def take_back(self, now: float) -> None:
        with contextlib.suppress(ValueError):  # expired meanwhile: nothing to take back
            self.cache.decr(self._count_key(self._window(now)[0]))

    def admit(self, now: float) -> bool:
        """Counts the request and says whether it is within the rate; one over the rate is not counted."""
        index, into = self._window(now)
        current = self.hit(now)
        previous = self.cache.get(self._count_key(index - 1), 0)
        if self._estimate(previous, current, into) <= self.limit:
            return True
        self.take_back(now)
        return False

    def wait(self, now: float) -> float:
        """Seconds until one more request fits, if no other comes meanwhile."""
        index, into = self._window(now)
        previous = self.cache.get(self._count_key(index - 1), 0)
        current = self.cache.get(self._count_key(index), 0)
        room = self.limit - 1 - current  # what the previous window's weighted share may still be
        if room >= 0:
            if previous <= 0:
                return 0.0
            # previous * (1 - into') <= room  ⇔  into' >= 1 - room / previous
            return max(0.0, (1.0 - room / previous) - into) * self.duration
        # This window alone is full: in the next one it counts as the previous, fading with time.
        fits_at = 1.0 - (self.limit - 1) / current if current else 0.0
        return ((1.0 - into) + fits_at) * self.duration


class SharedRateThrottle(SimpleRateThrottle):
    """SimpleRateThrottle's rates, scopes and cache keys, counted by WindowCounter."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        self.counter = WindowCounter(self.key, self.num_requests, self.duration, cache=self.cache)
        try:
            return self.counter.admit(self.now)
        except Exception:  # the cache server is away: let the request through rather than fail it
            logger.warning("API rate limit not checked: the cache cannot be reached", exc_info=True)
            return True

    def wait(self):
        try:
            return max(1, math.ceil(self.counter.wait(self.timer())))
        except Exception:
            return self.duration


class UserRateThrottle(SharedRateThrottle, throttling.UserRateThrottle):
    """Per employee's user: DRF's "user" scope and key (`DEFAULT_THROTTLE_RATES["user"]`)."""
