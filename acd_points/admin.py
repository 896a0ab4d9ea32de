"""ACD and OCR points in the admin, grouped like the source system's tabs."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from acd_points import folders
from acd_points.api import admin as token_admin  # noqa: F401  (registers the API token admin)
from acd_points.models import AcdPoint, MailAction, OcrPoint
from intake.admin import RecordOnlyAdminMixin, TenantAdminMixin, site


class AcdPointForm(forms.ModelForm):
    class Meta:
        model = AcdPoint
        fields = [
            "kind",
            "buffer",
            "name",
            "allow_delete_from_mailbox",
            "delete_after_generate",
            "ocr_point",
            "define_path_during_work",
            "work_folder",
            "graphic_only",
            "allow_documents_without_files",
            "document_per_attachment",
            "show_subject",
            "show_sender",
            "show_received",
            "employees",
        ]


@admin.register(AcdPoint, site=site)
class AcdPointAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = AcdPointForm
    list_display = ["name", "buffer", "employee_count", "graphic_only", "delete_after_generate"]
    search_fields = ["name"]
    filter_horizontal = ["employees"]
    readonly_fields = ["mailbox_link"]
    fieldsets = [
        (_("Cooperation mode"), {"fields": ["kind", "buffer", "mailbox_link"]}),
        (
            _("General"),
            {
                "fields": [
                    "name",
                    "allow_delete_from_mailbox",
                    "delete_after_generate",
                    "ocr_point",
                    "define_path_during_work",
                    "work_folder",
                    "graphic_only",
                    "allow_documents_without_files",
                    "document_per_attachment",
                ]
            },
        ),
        (
            _("List"),
            {
                "fields": ["show_subject", "show_sender", "show_received"],
                "description": _("Columns of the operators' mail list: at least one."),
            },
        ),
        (
            _("Permissions"),
            {
                "fields": ["employees"],
                "description": _("Individual employees only; any point grants the ACD area."),
            },
        ),
    ]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("buffer").annotate(employee_total=Count("employees"))
        )

    @admin.display(description=_("employees"), ordering="employee_total")
    def employee_count(self, obj):
        return obj.employee_total

    @admin.display(description=_("mailbox"))
    def mailbox_link(self, obj):
        if not obj or not obj.buffer_id:
            return _("Choose a buffer and save: its mailbox and folder come with it.")
        mailbox = obj.buffer.mailbox
        url = reverse("admin:mailboxes_mailbox_change", args=[mailbox.pk])
        return format_html(
            '<a href="{}">{}</a> — {} <code>{}</code> ({})',
            url,
            mailbox,
            _("folder"),
            obj.buffer.folder,
            _("connection settings, Test connection and Authorize are there"),
        )


class OcrPointForm(forms.ModelForm):
    class Meta:
        model = OcrPoint
        fields = ["name", "folder"]


@admin.register(OcrPoint, site=site)
class OcrPointAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = OcrPointForm
    list_display = ["name", "folder"]
    readonly_fields = ["watched_folder"]

    @admin.display(description=_("folder for the OCR program"))
    def watched_folder(self, obj):
        """The absolute path on the server that the OCR program must be set to watch."""
        if not obj or not obj.pk:
            return _("Shown once saved: the full path of the folder on the server.")
        path = folders.absolute_path(obj.tenant_id, obj.folder)
        if path.is_dir():
            return format_html("<code>{}</code>", path)
        return format_html(
            "<code>{}</code> ({})", path, _("not there yet: it is created when the first file is copied")
        )


@admin.register(MailAction, site=site)
class MailActionAdmin(RecordOnlyAdminMixin, TenantAdminMixin, admin.ModelAdmin):
    """Who did what to the points' mail: read only, as it was recorded (rows are never changed)."""

    list_display = ["at", "employee_name", "action", "point", "subject", "detail"]
    # Only employees and points that appear in the (tenant's) rows: never another tenant's names.
    list_filter = [
        "action",
        ("employee", admin.RelatedOnlyFieldListFilter),
        ("point", admin.RelatedOnlyFieldListFilter),
    ]
    date_hierarchy = "at"
    search_fields = ["subject", "employee_name"]
    list_select_related = ["point"]
