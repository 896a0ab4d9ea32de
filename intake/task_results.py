"""Failed worker tasks in the admin, for platform superusers: which task, when, and the error.

django-celery-results stores a row only when a task fails (the tasks ignore their results; the
settings store errors even so). A row crosses tenants and carries the task's arguments and traceback,
so only platform superusers see the list, and it shows the exception's type and its message cut short,
never the traceback or the arguments: a traceback may quote more than the message was meant to, and
the worker's log has it in full.
"""

import json

from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_celery_results.models import TaskResult

MESSAGE_LIMIT = 300


def failure_of(result: TaskResult) -> tuple[str, str]:
    """(exception type, message cut to MESSAGE_LIMIT) of a stored failure; empty when none is stored."""
    try:
        stored = json.loads(result.result or "")
    except ValueError:
        return "", ""
    if not isinstance(stored, dict):
        return "", ""
    message = stored.get("exc_message", "")
    if isinstance(message, list | tuple):
        message = " ".join(str(part) for part in message)
    message = str(message)
    if len(message) > MESSAGE_LIMIT:
        message = message[: MESSAGE_LIMIT - 1] + "…"
    return str(stored.get("exc_type", "")), message


class TaskFailureAdmin(admin.ModelAdmin):
    """Read-only; anyone but a platform superuser finds no row here (an id answers 404) and no page."""

    list_display = ["task_name", "date_done", "status", "exception_type", "exception_message"]
    list_filter = ["status", "task_name"]
    search_fields = ["task_name", "task_id"]
    ordering = ["-date_done", "-pk"]
    fields = ["task_name", "task_id", "status", "date_done", "worker", "exception_type", "exception_message"]
    readonly_fields = fields

    @admin.display(description=_("exception"))
    def exception_type(self, result: TaskResult) -> str:
        return failure_of(result)[0]

    @admin.display(description=_("message"))
    def exception_message(self, result: TaskResult) -> str:
        return failure_of(result)[1]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.none()

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404  # as every page of the portal's admin: an id it may not show is an unused id

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
