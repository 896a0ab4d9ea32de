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
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, Q
from django.utils import timezone


class ClaimLost(Exception):
    """The claim expired and another worker took it: stop, and record nothing."""


def new_token() -> str:
    return secrets.token_hex(16)


def backoff(failures: int, *, first: timedelta, limit: timedelta) -> timedelta:
    """How long to wait after the `failures`-th failure in a row: `first`, doubling, at most `limit`."""
    return min(first * (2 ** min(max(failures - 1, 0), 30)), limit)


# -- who holds a claim -----------------------------------------------------------------------------------


def _process_start(pid: int) -> str:
    """When process `pid` started (clock ticks since boot, Linux): tells a reused pid from its holder."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            # The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
            return handle.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return ""


@dataclass(frozen=True)
class Holder:
    """A claim's holder: the host name, the process id and the process's start time."""

    host: str
    pid: int
    started: str = ""

    @classmethod
    def this_process(cls) -> "Holder":
        pid = os.getpid()
        return cls(socket.gethostname(), pid, _process_start(pid))

    @classmethod
    def parse(cls, text: str) -> "Holder | None":
        host, _, rest = (text or "").partition(" ")
        pid, _, started = rest.partition(" ")
        return cls(host, int(pid), started) if host and pid.isdigit() else None

    def __str__(self) -> str:
        return f"{self.host} {self.pid} {self.started}".strip()

    def describe(self) -> str:
        return f"{self.host}, process {self.pid}"

    def is_dead(self) -> bool:
        """Known dead: a process of this host that no longer runs (or whose pid now runs another program).
        A holder on another host is never known dead: its claim has to expire."""
        if self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # alive, someone else's
            pass
        return bool(self.started) and _process_start(self.pid) not in ("", self.started)


class Claims:
    """Claims on the rows of one model, kept in two of its fields (the token and the expiry), and in a
    third, if given, the holder (Holder), so a claim of a process known dead can be taken over at once."""

    def __init__(
        self,
        manager,
        *,
        ttl: timedelta,
        fields: tuple[str, str] = ("claim_token", "claimed_until"),
        holder_field: str | None = None,
    ):
        # Workers claim before they know a row's tenant, so the manager is usually `all_tenants`.
        self.manager = manager
        self.ttl = ttl
        self.token_field, self.until_field = fields
        self.holder_field = holder_field

    def claimable(self, now) -> Q:
        return Q(**{f"{self.until_field}__isnull": True}) | Q(**{f"{self.until_field}__lt": now})

    def _claim(self, token: str, now) -> dict:
        claim = {self.token_field: token, self.until_field: now + self.ttl}
        if self.holder_field:
            claim[self.holder_field] = str(Holder.this_process())
        return claim

    def take(self, pk, *, where: Q | None = None, **changes) -> str | None:
        """Claim one row (and apply `changes` with it); the token, or None if it is not claimable now."""
        token, now = new_token(), timezone.now()
        rows = self.manager.filter(pk=pk).filter(self.claimable(now))
        if where is not None:
            rows = rows.filter(where)
        return token if rows.update(**self._claim(token, now), **changes) else None

    def holder(self, pk) -> tuple[str, "Holder | None", object] | None:
        """The current claim on a row: (token, holder, expiry), or None when the row is not claimed."""
        fields = [self.token_field, self.until_field, *([self.holder_field] if self.holder_field else [])]
        row = self.manager.filter(pk=pk).values(*fields).first()
        if not row or not row[self.token_field]:
            return None
        holder = Holder.parse(row[self.holder_field]) if self.holder_field else None
        return row[self.token_field], holder, row[self.until_field]

    def take_over(self, pk, token: str) -> str | None:
        """Take the claim `token` still holds (its holder is known dead); None if it changed meanwhile."""
        new, now = new_token(), timezone.now()
        return new if self.held(token, pk).update(**self._claim(new, now)) else None

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

    def release(self, pk, token: str, *, where: Q | None = None, **outcome) -> bool:
        """Write `outcome` and give the claim up, only while `token` holds it (and the row matches `where`,
        if given: False, and the claim kept, when it does not)."""
        released = {self.token_field: "", self.until_field: None}
        if self.holder_field:
            released[self.holder_field] = ""
        rows = self.held(token, pk)
        if where is not None:
            rows = rows.filter(where)
        return bool(rows.update(**released, **outcome))

    def still_held(self, pk, token: str) -> Exists:
        """A condition for one statement writing other rows (of another table, without a transaction):
        true only while `token` holds the claim on row `pk`. It sees a claim taken by a committed write,
        but locks nothing, unlike `holding()`: use it only while the claim cannot be expiring (renewed
        well within its ttl), so that no other worker can be taking it in the same instant."""
        return Exists(self.held(token, pk))

    @contextlib.contextmanager
    def holding(self, pk, token: str):
        """A transaction in which the claim is certainly held; `ClaimLost` (and nothing written) if not."""
        with transaction.atomic():
            if not self.renew(pk, token):
                raise ClaimLost(f"{self.manager.model.__name__} {pk}: the claim expired and was taken")
            yield
