"""One way for workers on any number of processes and machines to share work: claims in the database.

A claim is a compare-and-set update: it changes a row only while the row is claimable (never claimed, or
its claim expired) and writes the claimer's random token and an expiry with it. Renewing, releasing and
recording an outcome are updates filtered by that token, so a worker whose claim expired and was taken
by another changes nothing: it learns so (no row matched) instead of overwriting the new holder's work.
Inside `holding()` the claim is renewed in the caller's transaction; the renewal locks the row, so no
other worker can take the claim until that transaction ends.

Used by the poll (one worker per mailbox), the notification outbox and the follow-up work of points.
"""

import contextlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone


class ClaimLost(Exception):
    """The claim expired and another worker took it: stop, and record nothing."""


def new_token() -> str:
    return secrets.token_hex(16)


def backoff(failures: int, *, first: timedelta, limit: timedelta) -> timedelta:
    """How long to wait after the `failures`-th failure in a row: `first`, doubling, at most `limit`."""
    return min(first * (2 ** min(max(failures - 1, 0), 30)), limit)


class Claims:
    """Claims on the rows of one model, kept in two of its fields (the token and the expiry)."""

    def __init__(
        self, manager, *, ttl: timedelta, fields: tuple[str, str] = ("claim_token", "claimed_until")
    ):
        # Workers claim before they know a row's tenant, so the manager is usually `all_tenants`.
        self.manager = manager
        self.ttl = ttl
        self.token_field, self.until_field = fields

    def claimable(self, now) -> Q:
        return Q(**{f"{self.until_field}__isnull": True}) | Q(**{f"{self.until_field}__lt": now})

    def _claim(self, token: str, now) -> dict:
        return {self.token_field: token, self.until_field: now + self.ttl}

    def take(self, pk, *, where: Q | None = None, **changes) -> str | None:
        """Claim one row (and apply `changes` with it); the token, or None if it is not claimable now."""
        token, now = new_token(), timezone.now()
        rows = self.manager.filter(pk=pk).filter(self.claimable(now))
        if where is not None:
            rows = rows.filter(where)
        return token if rows.update(**self._claim(token, now), **changes) else None

    def take_many(self, queryset, *, limit: int, now=None) -> str:
        """Claim up to `limit` claimable rows of `queryset` in one statement; find them with `held(token)`.

        The UPDATE re-checks the claim condition row by row, so of two workers each row goes to one.
        """
        token, now = new_token(), now or timezone.now()
        candidates = queryset.filter(self.claimable(now))
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if ids:
            candidates.filter(pk__in=ids).update(**self._claim(token, now))
        return token

    def held(self, token: str, pk=None):
        rows = self.manager.filter(**{self.token_field: token})
        return rows if pk is None else rows.filter(pk=pk)

    def renew(self, pk, token: str) -> bool:
        return bool(self.held(token, pk).update(**{self.until_field: timezone.now() + self.ttl}))

    def record(self, pk, token: str, **outcome) -> bool:
        """Write `outcome` on the row only while `token` holds it; the claim stays."""
        return bool(self.held(token, pk).update(**outcome))

    def release(self, pk, token: str, **outcome) -> bool:
        """Write `outcome` and give the claim up, only while `token` holds it."""
        return bool(self.held(token, pk).update(**{self.token_field: "", self.until_field: None}, **outcome))

    @contextlib.contextmanager
    def holding(self, pk, token: str):
        """A transaction in which the claim is certainly held; `ClaimLost` (and nothing written) if not."""
        with transaction.atomic():
            if not self.renew(pk, token):
                raise ClaimLost(f"{self.manager.model.__name__} {pk}: the claim expired and was taken")
            yield
