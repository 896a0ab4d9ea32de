"""What a mail's page shows: the selectors the workspace views call. Everything comes from what intake
stored; the page never parses the mail again.

The page is reached from a list (a point's or a buffer's) and keeps that list's filters: Previous / Next
are its neighbours in the list's order (received_at desc, id desc) within the same filters, each found
by one keyset query on the list's index, never by an offset or a count.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse
from django.utils.http import urlencode

from acd_points import access
from acd_points.generate import eligible_attachments, offered_attachments
from acd_points.mail_list import MailFilters, removed_mail
from mailboxes.models import Attachment, Message


@dataclass
class ShownMail:
    message: Message
    text: str
    text_missing: bool  # stored before intake kept the body text: re-read it (mailboxes.polling.rereading)
    attachments: list[Attachment]  # each with .offered and .checked (the choice for the document)
    documents: list  # the PointDocuments generated from it (several at a point making one per attachment)


def shown_mail(message: Message, point=None) -> ShownMail:
    """`point`: the point whose page shows it; then each attachment says whether the operator may choose
    it for the document (it can be copied) and whether it is chosen by default (the point's rules)."""
    attachments = list(message.attachments.order_by("position"))
    offered = {a.pk for a in offered_attachments(message)} if point else set()
    checked = {a.pk for a in eligible_attachments(point, message)[0]} if point else set()
    for attachment in attachments:
        attachment.offered = attachment.pk in offered
        attachment.checked = attachment.pk in checked
    return ShownMail(
        message=message,
        text=message.body_text or "",
        text_missing=message.body_text is None,
        attachments=attachments,
        documents=list(message.point_documents.select_related("document").order_by("pk")),
    )


def listed(buffer, filters: MailFilters):
    """The list's mail under these filters, as the list itself selects it."""
    return filters.apply(removed_mail(buffer) if filters.removed else access.visible_mail(buffer))


@dataclass(frozen=True)
class Neighbours:
    newer: int | None  # Previous: the row above in the list
    older: int | None  # Next: the row below


def neighbours(queryset, message: Message) -> Neighbours:
    """The mails before and after `message` in the list's order; `message` itself need not be listed
    (any more): its place in the order is enough."""
    at, pk = message.received_at, message.pk
    older = queryset.filter(Q(received_at__lt=at) | Q(received_at=at, pk__lt=pk)).order_by(
        "-received_at", "-id"
    )
    newer = queryset.filter(Q(received_at__gt=at) | Q(received_at=at, pk__gt=pk)).order_by(
        "received_at", "id"
    )
    return Neighbours(
        newer=newer.values_list("pk", flat=True).first(), older=older.values_list("pk", flat=True).first()
    )


def list_query(params, *, point=None) -> str:
    """The list's filters from a query string, as a query string again (unknown values dropped)."""
    return urlencode(MailFilters.from_query(params, removed_allowed=point is not None).as_query())


def _with(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


def mail_url(point, buffer, mail_pk: int, query: str) -> str:
    if point is not None:
        return _with(reverse("acd:mail", args=[point.pk, mail_pk]), query)
    return _with(reverse("acd:buffer-mail", args=[buffer.pk, mail_pk]), query)


def list_url(point, buffer, query: str) -> str:
    if point is not None:
        return _with(reverse("acd:point", args=[point.pk]), query)
    return _with(reverse("acd:buffer", args=[buffer.pk]), query)


def _attachment_urls(point, buffer, attachments, removed: bool) -> None:
    # A removed mail's files are reached through the removed filter only, as the mail is.
    query = urlencode({"state": "removed"}) if removed else ""
    for attachment in attachments:
        if point is not None:
            route, owner = "acd:attachment", point.pk
        else:
            route, owner = "acd:buffer-attachment", buffer.pk
        attachment.download_url = _with(reverse(route, args=[owner, attachment.pk, "download"]), query)
        attachment.preview_url = _with(reverse(route, args=[owner, attachment.pk, "preview"]), query)


def mail_page_context(params, buffer, mail_pk: int, *, point=None) -> dict:
    """Everything the mail page shows, for a point's page (actions) or a buffer's (read only)."""
    filters = MailFilters.from_query(params, removed_allowed=point is not None)
    message = access.mail_or_404(buffer, mail_pk, removed=filters.removed)
    page = shown_mail(message, point)
    query = urlencode(filters.as_query())
    around = neighbours(listed(buffer, filters), message)
    _attachment_urls(point, buffer, page.attachments, filters.removed)
    return {
        "point": point,
        "buffer": buffer,
        "message": page.message,
        "text": page.text,
        "text_missing": page.text_missing,
        "attachments": page.attachments,
        "documents": page.documents,
        "removed": filters.removed,
        "choosing": point is not None and message.state == Message.State.NEW,
        "query": query,
        "back_url": list_url(point, buffer, query),
        "newer_url": mail_url(point, buffer, around.newer, query) if around.newer else "",
        "older_url": mail_url(point, buffer, around.older, query) if around.older else "",
    }


def next_mail_url(point, mail_pk: int, query: str) -> str:
    """Where the operator lands after acting on a mail's page: the next mail of the list they came from
    (after the action: the mail may have left it), or the list when there is none."""
    filters = MailFilters.from_query(_params(query), removed_allowed=True)
    kept = urlencode(filters.as_query())
    message = Message.objects.filter(pk=mail_pk, buffer_id=point.buffer_id).first()
    older = neighbours(listed(point.buffer, filters), message).older if message else None
    return mail_url(point, None, older, kept) if older else list_url(point, None, kept)


def _params(query: str) -> QueryDict:
    return QueryDict(query[:2000])  # the list's query, posted back by the page: bounded
