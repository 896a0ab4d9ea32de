"""The notification outbox in the admin: each row's state, attempts and reason, read-only, with a
"retry now" action for failed or waiting notifications (and delete, for one that should not go)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from intake import reasons
from intake.admin import TenantAdminMixin, site
from mailboxes.models import Notification
from mailboxes.notifications import outbox


@admin.register(Notification, site=site)
class NotificationAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "recipient",
        "to_address",
        "state",
        "attempts",
        "shown_reason",
        "sent_at",
    ]
    list_filter = ["state", "kind"]
    search_fields = ["to_address", "message_id", "reason"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient__user"]
    fields = [
        "kind",
        "recipient",
        "to_address",
        "state",
        "attempts",
        "shown_reason",
        "next_attempt_at",
        "created_at",
        "sent_at",
        "count",
        "link_path",
        "message_id",
    ]
    readonly_fields = fields
    actions = ["retry_now"]

    @admin.display(description=_("reason"))
    def shown_reason(self, obj):
        """The stored reason (a code) in the reader's language; escaped by the admin like any text."""
        return reasons.render(obj.reason[:4000])

    @admin.action(description=_("Retry the selected notifications now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        count = outbox.retry_now(queryset.values_list("pk", flat=True))
        messages.success(
            request,
            ngettext(
                "%(n)d notification will be sent again within a minute.",
                "%(n)d notifications will be sent again within a minute.",
                count,
            )
            % {"n": count},
        )

    def has_retry_permission(self, request):
        return self._allowed(request, None)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    # Deleting stays allowed (the tenant's own rows, as the mixin decides): deleting an employee, a buffer
    # or a mailbox deletes their notifications, and the admin refuses a delete whose cascade it may not do.
