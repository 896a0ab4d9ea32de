"""The operators' mail list: filters, search and keyset pagination.

Pages are addressed by a cursor (the sort moment and id of the row they start after), never by an
offset and never with a total count, so every page costs one indexed query however long the list.
The cursor and page helpers (keyset_page) and the input bounds (search_text, parsed_date, within_days)
are shared with the documents list (acd_points/document_list.py).
"""

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from acd_points.models import PendingWork
from mailboxes.models import Message

PAGE_SIZE = 25
SEARCH_LIMIT = 100  # characters of a search kept: an outsider's query string is bounded
STATES = Message.LISTED_STATES  # the state filter offers exactly what the list can show
REMOVED = "removed"  # the state filter's one more value on a point's list: mails Restore can bring back


def removed_mail(buffer):
    """Mail removed from the list only: not deleted, nor being deleted, on the server (see restore)."""
    deleting = PendingWork.objects.filter(kind=PendingWork.Kind.DELETE_ON_SERVER, message_id=OuterRef("pk"))
    return Message.objects.filter(buffer=buffer, state=Message.State.HIDDEN).exclude(Exists(deleting))


def search_text(params) -> str:
    return params.get("q", "").strip()[:SEARCH_LIMIT]


def parsed_date(params, name: str) -> str:
    """The parameter when it is a real date (YYYY-MM-DD), else "": never an error, never unbounded."""
    value = params.get(name, "")
    try:
        return value if len(value) == 10 and parse_date(value) else ""
    except ValueError:  # well-formed but impossible, e.g. 2026-02-31
        return ""


def within_days(queryset, field: str, date_from: str, date_to: str):
    """Rows whose `field` falls on or after date_from and on or before date_to (the current time zone)."""
    if date_from:
        start = timezone.make_aware(datetime.combine(parse_date(date_from), time.min))
        queryset = queryset.filter(**{f"{field}__gte": start})
    if date_to:
        end = timezone.make_aware(datetime.combine(parse_date(date_to), time.max))
        queryset = queryset.filter(**{f"{field}__lte": end})
    return queryset


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
            q=search_text(params),
            state=state if known else "",
            has_attachments=params.get("has_attachments") in {"1", "on", "true"},
            date_from=parsed_date(params, "date_from"),
            date_to=parsed_date(params, "date_to"),
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
        return within_days(queryset, "received_at", self.date_from, self.date_to)

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


def cursor_of(row, field: str) -> str:
    return f"{getattr(row, field).isoformat()}_{row.pk}"


def parse_cursor(value: str):
    """(moment, id) of a cursor, or (None, None) for anything else (an outsider may send anything)."""
    stamp, _, pk = (value or "")[:100].rpartition("_")
    try:
        moment = parse_datetime(stamp) if stamp else None
    except ValueError:
        moment = None
    # 18 digits: any id of ours, and never a number the database cannot compare (SQLite: 64 bits).
    return (moment, int(pk)) if moment and pk.isdigit() and len(pk) <= 18 else (None, None)


def keyset_page(queryset, field: str, *, after: str = "", before: str = "", size: int = PAGE_SIZE):
    """Newest first by (field, id): (rows, older cursor, newer cursor), "" where there is no such page.

    `after`: the page older than that cursor; `before`: the page newer than it. One query of size + 1
    rows on the (field, id) order, whatever the list's length.
    """
    moment, pk = parse_cursor(before or after)
    if before and moment:
        newer_rows = list(
            queryset.filter(Q(**{f"{field}__gt": moment}) | Q(**{field: moment, "pk__gt": pk})).order_by(
                field, "id"
            )[: size + 1]
        )
        has_newer = len(newer_rows) > size
        rows = list(reversed(newer_rows[:size]))
        older = cursor_of(rows[-1], field) if rows else ""
        return rows, older, cursor_of(rows[0], field) if rows and has_newer else ""
    if moment:
        queryset = queryset.filter(Q(**{f"{field}__lt": moment}) | Q(**{field: moment, "pk__lt": pk}))
    rows = list(queryset.order_by(f"-{field}", "-id")[: size + 1])
    has_older = len(rows) > size
    rows = rows[:size]
    return (
        rows,
        cursor_of(rows[-1], field) if has_older else "",
        cursor_of(rows[0], field) if rows and moment else "",
    )


def mail_page(queryset, *, after: str = "", before: str = "", size: int = PAGE_SIZE) -> MailPage:
    """Newest first. `after`: the page older than that cursor; `before`: the page newer than it."""
    # A list never shows the body text (up to 200,000 characters a mail) nor the search column.
    queryset = queryset.defer("body_text", "search_text")
    return MailPage(*keyset_page(queryset, "received_at", after=after, before=before, size=size))
