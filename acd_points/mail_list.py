"""The operators' mail list: filters, search and keyset pagination.

Pages are addressed by a cursor (received time and id of the row they start after), never by an
offset and never with a total count, so every page costs one indexed query however long the list.
"""

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from acd_points.models import PendingWork
from mailboxes.models import Message

PAGE_SIZE = 25
STATES = Message.LISTED_STATES  # the state filter offers exactly what the list can show
REMOVED = "removed"  # the state filter's one more value on a point's list: mails Restore can bring back


def removed_mail(buffer):
    """Mail removed from the list only: not deleted, nor being deleted, on the server (see restore)."""
    deleting = PendingWork.objects.filter(kind=PendingWork.Kind.DELETE_ON_SERVER, message_id=OuterRef("pk"))
    return Message.objects.filter(buffer=buffer, state=Message.State.HIDDEN).exclude(Exists(deleting))


@dataclass
class MailFilters:
    q: str = ""
    state: str = ""
    has_attachments: bool = False
    date_from: str = ""
    date_to: str = ""

    @classmethod
    def from_query(cls, params, *, removed_allowed: bool = False) -> "MailFilters":
        state = params.get("state", "")
        known = state in STATES or (removed_allowed and state == REMOVED)
        return cls(
            q=params.get("q", "").strip()[:100],
            state=state if known else "",
            has_attachments=params.get("has_attachments") in {"1", "on", "true"},
            date_from=params.get("date_from", "") if parse_date(params.get("date_from", "")) else "",
            date_to=params.get("date_to", "") if parse_date(params.get("date_to", "")) else "",
        )

    @property
    def removed(self) -> bool:
        return self.state == REMOVED

    def apply(self, queryset):
        if self.q:
            queryset = queryset.filter(search_text__contains=self.q.lower())
        if self.state and not self.removed:  # removed mail comes from its own queryset (removed_mail)
            queryset = queryset.filter(state=self.state)
        if self.has_attachments:
            queryset = queryset.filter(attachment_count__gt=0)
        if self.date_from:
            start = timezone.make_aware(datetime.combine(parse_date(self.date_from), time.min))
            queryset = queryset.filter(received_at__gte=start)
        if self.date_to:
            end = timezone.make_aware(datetime.combine(parse_date(self.date_to), time.max))
            queryset = queryset.filter(received_at__lte=end)
        return queryset

    def as_query(self) -> dict:
        query = {"q": self.q, "state": self.state, "date_from": self.date_from, "date_to": self.date_to}
        if self.has_attachments:
            query["has_attachments"] = "1"
        return {k: v for k, v in query.items() if v}


@dataclass
class MailPage:
    mails: list
    older: str  # cursor of the next (older) page, "" at the end
    newer: str  # cursor of the previous (newer) page, "" at the start


def _cursor(message) -> str:
    return f"{message.received_at.isoformat()}_{message.pk}"


def _parse_cursor(value: str):
    stamp, _, pk = (value or "").rpartition("_")
    moment = parse_datetime(stamp) if stamp else None
    return (moment, int(pk)) if moment and pk.isdigit() else (None, None)


def mail_page(queryset, *, after: str = "", before: str = "", size: int = PAGE_SIZE) -> MailPage:
    """Newest first. `after`: the page older than that cursor; `before`: the page newer than it."""
    # A list never shows the body text (up to 200,000 characters a mail) nor the search column.
    queryset = queryset.defer("body_text", "search_text")
    moment, pk = _parse_cursor(before or after)
    if before and moment:
        newer_rows = list(
            queryset.filter(Q(received_at__gt=moment) | Q(received_at=moment, pk__gt=pk)).order_by(
                "received_at", "id"
            )[: size + 1]
        )
        has_newer = len(newer_rows) > size
        rows = list(reversed(newer_rows[:size]))
        return MailPage(
            rows, _cursor(rows[-1]) if rows else "", _cursor(rows[0]) if rows and has_newer else ""
        )
    if moment:
        queryset = queryset.filter(Q(received_at__lt=moment) | Q(received_at=moment, pk__lt=pk))
    rows = list(queryset.order_by("-received_at", "-id")[: size + 1])
    has_older = len(rows) > size
    rows = rows[:size]
    return MailPage(rows, _cursor(rows[-1]) if has_older else "", _cursor(rows[0]) if rows and moment else "")
