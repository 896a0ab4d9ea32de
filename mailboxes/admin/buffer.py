"""Buffers (with the folder picker) and their stored mail in the admin."""

from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from intake.admin import ReadOnlyTenantInline, TenantAdminMixin, site
from mailboxes.admin.buffer_form import BufferForm
from mailboxes.models import Attachment, Buffer, Message
from mailboxes.polling import scheduling


@admin.register(Buffer, site=site)
class BufferAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = BufferForm
    list_display = ["name", "mailbox", "folder", "enabled", "mail_count", "last_polled_at", "last_error"]
    list_filter = ["enabled"]
    search_fields = ["name", "folder", "mailbox__name"]
    filter_horizontal = ["employees"]
    readonly_fields = ["last_polled_at", "last_error"]
    actions = ["poll_now"]

    class Media:
        js = ["mailboxes/buffer_form.js"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("mailbox").annotate(mail_total=Count("messages"))

    @admin.display(description=_("mails"), ordering="mail_total")
    def mail_count(self, obj):
        return obj.mail_total

    @admin.action(description=_("Poll the selected buffers now"))
    def poll_now(self, request, queryset):
        count = scheduling.poll_soon(queryset)
        messages.success(
            request,
            ngettext(
                "%(n)d buffer will be polled within a minute.",
                "%(n)d buffers will be polled within a minute.",
                count,
            )
            % {"n": count},
        )


class AttachmentInline(ReadOnlyTenantInline):
    model = Attachment
    fields = ["display_name", "size", "sniffed_type", "is_graphic", "origin", "unreadable_reason"]


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
        "received_at",
        "message_id",
        "size",
        "state",
        "unreadable_reason",
        "defects",
        "snippet",
        "folder",
        "uidvalidity",
        "uid",
    ]
    readonly_fields = fields
    inlines = [AttachmentInline]

    @admin.display(description=_("subject"), ordering="subject")
    def subject_or_placeholder(self, obj):
        return str(obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
