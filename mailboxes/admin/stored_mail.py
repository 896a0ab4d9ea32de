"""Stored mail and its attachments in the admin (read-only)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from intake.admin import ReadOnlyTenantInline, TenantAdminMixin, site
from mailboxes.models import Attachment, Message
from mailboxes.polling import rereading


class AttachmentInline(ReadOnlyTenantInline):
    model = Attachment
    fields = [
        "display_name",
        "size",
        "sniffed_type",
        "is_graphic",
        "origin",
        "role",
        "problem",
        "problem_detail",
    ]


@admin.register(Message, site=site)
class MessageAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Stored mail, read-only: administrators check what arrived and why a mail is unreadable."""

    list_display = ["subject_or_placeholder", "sender", "received_at", "buffer", "state", "attachment_count"]
    list_filter = ["state", "buffer"]
    search_fields = ["subject", "sender", "message_id"]
    date_hierarchy = "received_at"
    list_select_related = ["buffer"]
    fields = [
        "buffer",
        "subject",
        "sender",
        "recipients",
        "header_date",
        "header_date_text",
        "received_at",
        "message_id",
        "size",
        "state",
        "unreadable_reason",
        "defects",
        "signature",
        "signature_detail",
        "attachment_problems",
        "snippet",
        "folder",
        "uidvalidity",
        "uid",
    ]
    readonly_fields = fields
    inlines = [AttachmentInline]
    actions = ["read_again"]

    @admin.action(description=_("Read again from the stored original"))
    def read_again(self, request, queryset):
        report = rereading.reread_mails(queryset)
        self.message_user(
            request,
            _("%(read)d mails read again (%(unreadable)d unreadable); %(missing)d without an original.")
            % {"read": report.read, "unreadable": report.unreadable, "missing": report.missing_original},
        )

    @admin.display(description=_("subject"), ordering="subject")
    def subject_or_placeholder(self, obj):
        return str(obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
