"""Buffers in the admin, with the folder picker (buffer_form.py) and "poll now"."""

from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from intake.admin import TenantAdminMixin, site
from intake.files import bounded, fit_to_show
from mailboxes.admin.buffer_form import BufferForm
from mailboxes.models import Buffer
from mailboxes.polling import scheduling
from mailboxes.templatetags.stored_mail import in_reader_language


@admin.register(Buffer, site=site)
class BufferAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = BufferForm
    list_display = [
        "name",
        "mailbox",
        "folder",
        "enabled",
        "mail_count",
        "last_polled_at",
        "shown_last_error",
    ]
    list_filter = ["enabled"]
    search_fields = ["name", "folder", "mailbox__name"]
    filter_horizontal = ["employees"]
    readonly_fields = ["last_polled_at", "shown_last_error"]
    actions = ["poll_now"]

    class Media:
        js = ["mailboxes/buffer_form.js"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("mailbox").annotate(mail_total=Count("messages"))

    @admin.display(description=_("last error"))
    def shown_last_error(self, obj):
        return bounded(fit_to_show(in_reader_language(obj.last_error[:2000])), 1000)

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
