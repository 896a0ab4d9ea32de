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
from acd_points.mail_list import STATES, MailFilters, mail_page

DISPOSITIONS = {"download", "preview"}


def _area_or_404(request):
    if not access.has_acd_area(request.employee):
        raise Http404


@login_required
def area(request):
    _area_or_404(request)
    return render(
        request,
        "acd_points/area.html",
        {
            "points": access.points_for(request.employee).select_related("buffer"),
            "buffers": access.buffers_for(request.employee).select_related("mailbox"),
        },
    )


def _list_context(request, buffer, columns):
    filters = MailFilters.from_query(request.GET)
    page = mail_page(
        filters.apply(access.visible_mail(buffer)),
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    query = filters.as_query()
    return {
        "filters": filters,
        "page": page,
        "columns": columns,
        "states": [(state.value, state.label) for state in STATES],
        "older_url": "?" + urlencode(query | {"after": page.older}) if page.older else "",
        "newer_url": "?" + urlencode(query | {"before": page.newer}) if page.newer else "",
        "first_url": "?" + urlencode(query),
    }


@login_required
def point_mail_list(request, pk):
    point = access.point_or_404(request, pk)
    context = _list_context(request, point.buffer, point.columns)
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


@login_required
@require_POST
def mail_action(request, pk):
    point = access.point_or_404(request, pk)
    ids = [int(value) for value in request.POST.getlist("mail") if value.isdigit()]
    action = request.POST.get("action", "")
    back = reverse("acd:point", args=[point.pk]) + (
        f"?{request.POST['query']}" if request.POST.get("query") else ""
    )
    if not ids:
        messages.warning(request, _("Select at least one mail."))
        return redirect(back)
    if action == "generate":
        report = actions.generate(point=point, message_ids=ids, employee=request.employee)
        for level, text in actions.generation_messages(report):
            messages.add_message(request, level, text)
    elif action == "hide":
        count = actions.delete_from_list(point=point, message_ids=ids)
        messages.success(
            request,
            ngettext("%(n)d mail removed from the list.", "%(n)d mails removed from the list.", count)
            % {"n": count},
        )
    elif action == "delete_on_server":
        if not point.allow_delete_from_mailbox:
            raise Http404
        count = actions.delete_from_list_and_mailbox(point=point, message_ids=ids)
        messages.success(
            request,
            ngettext(
                "%(n)d mail removed from the list; it is being deleted from the mailbox.",
                "%(n)d mails removed from the list; they are being deleted from the mailbox.",
                count,
            )
            % {"n": count},
        )
    else:
        messages.error(request, _("Unknown action."))
    return redirect(back)


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
            actions.set_work_folder(point=point, folder=folder)
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
