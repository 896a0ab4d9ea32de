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
from acd_points.downloads import file_response
from acd_points.folders import FolderNotAllowed
from acd_points.mail_detail import shown_mail
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


@login_required
def mail_detail(request, pk, mail_pk):
    point = access.point_or_404(request, pk)
    page = shown_mail(access.mail_or_404(point.buffer, mail_pk))
    return render(
        request,
        "acd_points/mail_detail.html",
        {
            "point": point,
            "message": page.message,
            "text": page.text,
            "text_missing": page.text_missing,
            "attachments": page.attachments,
            "document": page.document,
        },
    )


@login_required
def attachment_file(request, pk, attachment_pk, disposition):
    if disposition not in DISPOSITIONS:
        raise Http404
    point = access.point_or_404(request, pk)
    attachment = access.attachment_or_404(point.buffer, attachment_pk)
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


@login_required
@require_POST
def mail_action(request, pk):
    point = access.point_or_404(request, pk)
    ids = _selected(request.POST)
    action = request.POST.get("action", "")
    query = request.POST.get("query", "")
    back = _back(point, query)
    if not ids:
        messages.warning(request, _("Select at least one mail."))
        return redirect(back)
    if action == "generate":
        report = actions.generate(point=point, message_ids=ids, employee=request.employee)
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
            return redirect(confirm + "?" + urlencode({"mail": ids, "query": query}, doseq=True))
        count = actions.delete_from_list_and_mailbox(point=point, message_ids=ids, employee=request.employee)
        said = [(messages.SUCCESS, _said_deleted(count))]
    else:
        said = [(messages.ERROR, _("Unknown action."))]
    for level, text in said:
        messages.add_message(request, level, text)
    return redirect(back)


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
            "back": _back(point, query),
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
    documents = access.documents_for(request.employee).select_related("created_by", "point_document__point")
    return render(request, "acd_points/document_list.html", {"documents": documents[:200]})


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
