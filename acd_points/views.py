"""The operators' workspace: thin views over access (who), mail_list (what) and the services (actions)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from acd_points import access, actions
from acd_points.document_list import document_list_context
from acd_points.downloads import file_response
from acd_points.folders import FolderNotAllowed
from acd_points.mail_detail import mail_page_context, mail_url, next_mail_url
from acd_points.mail_list import REMOVED, STATES, MailFilters, mail_page, removed_mail

DISPOSITIONS = {"download", "preview"}


def _area_or_404(request):
    if not access.has_acd_area(request.employee):
        raise Http404


@login_required
def area(request):
    _area_or_404(request)
    points = list(access.points_for(request.employee).select_related("buffer"))
    waiting = access.new_mail_counts([point.buffer_id for point in points])
    for point in points:
        point.new_mail = waiting.get(point.buffer_id, 0)
    return render(
        request,
        "acd_points/area.html",
        {
            "points": points,
            "buffers": access.buffers_for(request.employee).select_related("mailbox"),
        },
    )


def _list_context(request, buffer, columns, *, restorable=False):
    filters = MailFilters.from_query(request.GET, removed_allowed=restorable)
    page = mail_page(
        filters.apply(removed_mail(buffer) if filters.removed else access.visible_mail(buffer)),
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    query = filters.as_query()
    return {
        "filters": filters,
        "page": page,
        "columns": columns,
        "states": [(state.value, state.label) for state in STATES]
        + ([(REMOVED, _("removed from the list"))] if restorable else []),
        "older_url": "?" + urlencode(query | {"after": page.older}) if page.older else "",
        "newer_url": "?" + urlencode(query | {"before": page.newer}) if page.newer else "",
        "first_url": "?" + urlencode(query),
        "list_query": urlencode(query),  # the pane and the mail links keep the list's filters
    }


@login_required
def point_mail_list(request, pk):
    point = access.point_or_404(request, pk)
    context = _list_context(request, point.buffer, point.columns, restorable=True)
    context.update({"point": point, "buffer": point.buffer})
    return render(request, "acd_points/mail_list.html", context)


@login_required
def buffer_mail_list(request, pk):
    buffer = access.buffer_or_404(request, pk)
    context = _list_context(request, buffer, ["subject", "sender", "received"])
    context.update({"point": None, "buffer": buffer})
    return render(request, "acd_points/mail_list.html", context)


PANE_BASE = "acd_points/pane_base.html"  # ?pane=1: the page inside the list's preview pane


def _render_mail(request, context):
    pane = request.GET.get("pane") == "1"
    context["base_template"] = PANE_BASE if pane else "base.html"
    response = render(request, "acd_points/mail_detail.html", context)
    if pane:  # only the pane may be framed, and only by the portal's own pages
        response["X-Frame-Options"] = "SAMEORIGIN"
    return response


@login_required
def mail_detail(request, pk, mail_pk):
    point = access.point_or_404(request, pk)
    return _render_mail(request, mail_page_context(request.GET, point.buffer, mail_pk, point=point))


@login_required
def buffer_mail_detail(request, pk, mail_pk):
    """A buffer's mail, read only (no point, so no point actions)."""
    buffer = access.buffer_or_404(request, pk)
    return _render_mail(request, mail_page_context(request.GET, buffer, mail_pk))


@login_required
def attachment_file(request, pk, attachment_pk, disposition):
    if disposition not in DISPOSITIONS:
        raise Http404
    point = access.point_or_404(request, pk)
    removed = request.GET.get("state") == REMOVED  # a removed mail's files, through the removed filter
    attachment = access.attachment_or_404(point.buffer, attachment_pk, removed=removed)
    return _attachment_response(attachment, disposition)


@login_required
def buffer_attachment_file(request, pk, attachment_pk, disposition):
    if disposition not in DISPOSITIONS:
        raise Http404
    attachment = access.attachment_or_404(access.buffer_or_404(request, pk), attachment_pk)
    return _attachment_response(attachment, disposition)


def _attachment_response(attachment, disposition):
    return file_response(
        attachment.file,
        name=attachment.display_name,
        content_type=attachment.sniffed_type,
        inline=disposition == "preview",
    )


def _selected(params) -> list[int]:
    return [int(value) for value in params.getlist("mail") if value.isdigit()]


def _back(point, query: str) -> str:
    return reverse("acd:point", args=[point.pk]) + (f"?{query}" if query else "")


def _after(point, ids: list[int], query: str, then: str) -> str:
    """Back to the list, or (then=next, from a mail's page) on to the list's next mail."""
    if then == "next" and len(ids) == 1:
        return next_mail_url(point, ids[0], query)
    return _back(point, query)


def _choices(params, ids: list[int]):
    """The attachments chosen on a mail's page (its form says choose=1) for its one mail; else None."""
    if params.get("choose") != "1" or len(ids) != 1:
        return None
    return {ids[0]: [int(value) for value in params.getlist("attachment") if value.isdigit()]}


@login_required
@require_POST
def mail_action(request, pk):
    point = access.point_or_404(request, pk)
    ids = _selected(request.POST)
    action = request.POST.get("action", "")
    query = request.POST.get("query", "")
    then = request.POST.get("then", "")
    if not ids:
        messages.warning(request, _("Select at least one mail."))
        return redirect(_back(point, query))
    if action == "generate":
        choices = _choices(request.POST, ids)
        report = actions.generate(point=point, message_ids=ids, employee=request.employee, choices=choices)
        said = actions.generation_messages(report)
    elif action == "hide":
        count = actions.delete_from_list(point=point, message_ids=ids, employee=request.employee)
        said = [(messages.SUCCESS, _said_removed(count))]
    elif action == "restore":
        said = actions.restore_messages(
            actions.restore_to_list(point=point, message_ids=ids, employee=request.employee)
        )
    elif action == "delete_on_server":
        if not point.allow_delete_from_mailbox:
            raise Http404
        if request.POST.get("confirm") != "1":  # it cannot be undone: only the confirmation page does it
            confirm = reverse("acd:confirm-delete", args=[point.pk])
            asked = {"mail": ids, "query": query, "then": then}
            return redirect(confirm + "?" + urlencode(asked, doseq=True))
        count = actions.delete_from_list_and_mailbox(point=point, message_ids=ids, employee=request.employee)
        said = [(messages.SUCCESS, _said_deleted(count))]
    else:
        said = [(messages.ERROR, _("Unknown action."))]
    for level, text in said:
        messages.add_message(request, level, text)
    return redirect(_after(point, ids, query, then))


def _said_removed(count: int) -> str:
    return ngettext(
        "%(n)d mail removed from the list. Choose the state “removed from the list” to restore it.",
        "%(n)d mails removed from the list. Choose the state “removed from the list” to restore them.",
        count,
    ) % {"n": count}


def _said_deleted(count: int) -> str:
    return ngettext(
        "%(n)d mail removed from the list; it is being deleted from the mailbox.",
        "%(n)d mails removed from the list; they are being deleted from the mailbox.",
        count,
    ) % {"n": count}


@login_required
def confirm_delete(request, pk):
    """Asks before "Delete from list and mailbox"; its form posts to mail_action with confirm=1."""
    point = access.point_or_404(request, pk)
    if not point.allow_delete_from_mailbox:
        raise Http404
    query = request.GET.get("query", "")
    then = "next" if request.GET.get("then") == "next" else ""  # asked from a mail's page
    selected = access.visible_mail(point.buffer).filter(pk__in=_selected(request.GET))
    ids = list(selected.values_list("pk", flat=True))
    if not ids:
        messages.warning(request, _("Select at least one mail."))
        return redirect(_back(point, query))
    return render(
        request,
        "acd_points/confirm_delete.html",
        {
            "point": point,
            "ids": ids,
            "count": len(ids),
            "mailbox": point.buffer.mailbox,
            "query": query,
            "then": then,
            "back": mail_url(point, None, ids[0], query) if then and len(ids) == 1 else _back(point, query),
        },
    )


@login_required
def set_folder(request, pk):
    point = access.point_or_404(request, pk)
    if not point.define_path_during_work:
        raise Http404
    error = ""
    folder = point.work_folder  # the field starts from the current folder
    if request.method == "POST":
        folder = request.POST.get("folder", "")  # a refused folder stays typed, to be corrected
        try:
            actions.set_work_folder(point=point, folder=folder, employee=request.employee)
        except FolderNotAllowed as problem:
            error = str(problem)
        else:
            messages.success(
                request,
                _("Attachments of this point are now also saved in %(folder)s.")
                % {"folder": point.work_folder or "/"},
            )
            return redirect("acd:point", point.pk)
    return render(
        request,
        "acd_points/set_folder.html",
        {"point": point, "folder": folder, "error": error, "folders": actions.existing_folders(point)},
    )


@login_required
def document_list(request):
    _area_or_404(request)
    context = document_list_context(request.employee, request.GET)
    return render(request, "acd_points/document_list.html", context)


@login_required
def document_detail(request, pk):
    document = access.document_or_404(request, pk)
    link = getattr(document, "point_document", None)
    files = list(document.files.all())
    work = actions.work_for(document)
    by_pk = {file.pk: file for file in files}
    for item in work:  # each line names the file it concerns (none: it concerns the mail)
        item.file = by_pk.get(item.document_file_id)
    return render(
        request,
        "acd_points/document_detail.html",
        {"document": document, "link": link, "files": files, "work": work},
    )


@login_required
def document_file(request, pk, file_pk):
    stored = access.document_file_or_404(access.document_or_404(request, pk), file_pk)
    return file_response(stored.file, name=stored.original_name, content_type=stored.content_type)
