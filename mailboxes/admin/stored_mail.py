"""Stored mail and its attachments in the admin (read-only).

Senders write the text shown here, and rows stored before intake capped it exist (subjects of megabytes):
the pages read only the head of each long text field from the database and show it bounded and cleaned
of invisible controls (intake.files.fit_to_show), never the stored value as it is. Reasons (why a mail
cannot be read, its defects, an attachment's problem, a signature's) are stored as codes with parameters
and shown in the reader's language (intake.reasons), one a line for the defects.
"""

from django.contrib import admin
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from intake import reasons
from intake.admin import ReadOnlyTenantInline, RecordOnlyAdminMixin, TenantAdminMixin, site
from intake.files import bounded, fit_to_show
from mailboxes.models import Attachment, Message
from mailboxes.polling import rereading

LIST_TEXT = 200  # a column of the list

# Text fields of a mail that may be huge, and how much of each a page shows (intake's caps).
MESSAGE_TEXT = {
    "subject": Message.SUBJECT_LIMIT,
    "sender": 998,
    "recipients": Message.RECIPIENTS_LIMIT,
    "message_id": 998,
    "header_date_text": 200,
    "unreadable_reason": 2000,
    "defects": 20_000,
    "signature_detail": 500,
    "snippet": 300,
    "folder": 500,
}
ATTACHMENT_TEXT = {"problem_detail": 2000, "origin": 500}


def heads(queryset, limits: dict[str, int]):
    """`queryset` loading, of each field in `limits`, only its head (as `<field>_head`), never the rest."""
    return queryset.defer(*limits).annotate(
        **{f"{name}_head": Substr(name, 1, limit + 1) for name, limit in limits.items()}
    )


def shown_field(model, name: str, limit: int, *, lines: bool = False, reason: str = ""):
    """A read-only admin field showing `name` from its head: bounded, no invisible controls. `reason`:
    "one" (the field is a stored reason) or "lines" (one a line), rendered in the reader's language."""

    def show(model_admin, obj):
        head = getattr(obj, f"{name}_head", None)
        if head and reason:
            parts = head.splitlines() if reason == "lines" else [head]
            head = "\n".join(reasons.render(part) for part in parts if part)
        return bounded(fit_to_show(head, keep_lines=lines), limit)

    show.__name__ = f"shown_{name}"
    return admin.display(description=model._meta.get_field(name).verbose_name)(show)


def with_bounded_title(message: Message) -> Message:
    """`message` whose str() (the page title, breadcrumbs, the list's checkbox label) is bounded. Only for
    these read-only pages: the instance is never saved (the admin action reads mails afresh)."""
    message.subject = bounded(fit_to_show(message.subject_head), LIST_TEXT)
    return message


class AttachmentInline(ReadOnlyTenantInline):
    model = Attachment
    fields = [
        "shown_display_name",
        "size",
        "sniffed_type",
        "is_graphic",
        "shown_origin",
        "role",
        "problem",
        "shown_problem_detail",
    ]
    shown_origin = shown_field(Attachment, "origin", ATTACHMENT_TEXT["origin"])
    shown_problem_detail = shown_field(
        Attachment, "problem_detail", ATTACHMENT_TEXT["problem_detail"], lines=True, reason="one"
    )

    @admin.display(description=_("file name"))
    def shown_display_name(self, obj):
        return bounded(fit_to_show(obj.display_name), 255)

    def get_queryset(self, request):
        return heads(super().get_queryset(request), ATTACHMENT_TEXT)


_DETAIL = [
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


@admin.register(Message, site=site)
class MessageAdmin(RecordOnlyAdminMixin, TenantAdminMixin, admin.ModelAdmin):
    """Stored mail, read-only: administrators check what arrived and why a mail is unreadable."""

    list_display = [
        "subject_or_placeholder",
        "list_sender",
        "received_at",
        "buffer",
        "state",
        "attachment_count",
    ]
    list_filter = ["state", "buffer"]
    search_fields = ["subject", "sender", "message_id"]
    date_hierarchy = "received_at"
    list_select_related = ["buffer"]
    fields = [f"shown_{name}" if name in MESSAGE_TEXT else name for name in _DETAIL]
    readonly_fields = fields
    inlines = [AttachmentInline]
    actions = ["read_again"]
    shown_subject = shown_field(Message, "subject", MESSAGE_TEXT["subject"])
    shown_sender = shown_field(Message, "sender", MESSAGE_TEXT["sender"])
    shown_recipients = shown_field(Message, "recipients", MESSAGE_TEXT["recipients"])
    shown_message_id = shown_field(Message, "message_id", MESSAGE_TEXT["message_id"])
    shown_header_date_text = shown_field(Message, "header_date_text", MESSAGE_TEXT["header_date_text"])
    shown_unreadable_reason = shown_field(
        Message, "unreadable_reason", MESSAGE_TEXT["unreadable_reason"], lines=True, reason="one"
    )
    shown_defects = shown_field(Message, "defects", MESSAGE_TEXT["defects"], lines=True, reason="lines")
    shown_signature_detail = shown_field(
        Message, "signature_detail", MESSAGE_TEXT["signature_detail"], reason="one"
    )
    shown_snippet = shown_field(Message, "snippet", MESSAGE_TEXT["snippet"])
    shown_folder = shown_field(Message, "folder", MESSAGE_TEXT["folder"])

    def get_queryset(self, request):
        return heads(super().get_queryset(request), MESSAGE_TEXT).defer("body_text", "search_text")

    def get_object(self, request, object_id, from_field=None):
        message = super().get_object(request, object_id, from_field)
        return message if message is None else with_bounded_title(message)

    def action_checkbox(self, obj):
        return super().action_checkbox(with_bounded_title(obj))

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
        return bounded(fit_to_show(obj.subject_head), LIST_TEXT) or str(_("(no subject)"))

    @admin.display(description=_("sender"), ordering="sender")
    def list_sender(self, obj):
        return bounded(fit_to_show(obj.sender_head), LIST_TEXT)
