"""What the API shows of points, mails and documents, and what it accepts: display and input checks only;
who may see what is decided in acd_points.access, what happens in acd_points.actions."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from acd_points.api import queries
from acd_points.mail_list import STATES, MailFilters
from acd_points.models import AcdPoint, MailAction
from intake import reasons
from intake.files import bounded, fit_to_show
from intake.models import Document, DocumentFile
from mailboxes.models import Attachment, Message

# Defects given per mail, and characters per defect: rows stored before intake capped them exist.
MAX_DEFECTS = 200
DEFECT_LENGTH = 500
MULTI_LINE = frozenset({"unreadable_reason", "problem_detail"})
# Stored as codes with parameters (intake.reasons): rendered in the request's language, English by default.
STORED_REASONS = frozenset({"unreadable_reason", "problem_detail", "signature_detail"})
STORED_DEFECTS_LIMIT = 40_000


def reason_language(field) -> str:
    """The language stored reasons are rendered in for this request, worked out once per answer (the
    serializers of a list share their root's context) rather than for every field of every row."""
    context = field.context
    if "reason_language" not in context:
        context["reason_language"] = reasons.api_language(context.get("request"))
    return context["reason_language"]


class BoundedTextMixin:
    """Text outsiders wrote (subjects, senders, names, reasons) is given bounded and without invisible
    controls (bidi overrides, zero-width characters), whatever size the stored value has."""

    bounded_text: dict[str, int] = {}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        language = reason_language(self)
        for name, limit in self.bounded_text.items():
            if isinstance(data.get(name), str):
                value = data[name]
                if name in STORED_REASONS:  # rendered whole: a cut code would show as raw JSON
                    value = reasons.render(value, language)
                data[name] = bounded(fit_to_show(value[: limit * 2], keep_lines=name in MULTI_LINE), limit)
        return data


class DefectsField(serializers.ListField):
    """The mail's defects, one per line, read from a bounded head of the stored text."""

    def get_attribute(self, message):
        # Each line is a stored reason (ingest keeps them whole, 20,000 characters in all): split before
        # cutting, so that no line is cut inside its code.
        lines = message.defects[:STORED_DEFECTS_LIMIT].splitlines()[:MAX_DEFECTS]
        language = reason_language(self)
        return [bounded(fit_to_show(reasons.render(line, language)), DEFECT_LENGTH) for line in lines if line]


def _absolute(serializer, name: str, *args) -> str:
    return serializer.context["request"].build_absolute_uri(reverse(f"api:{name}", args=args))


class PointSerializer(serializers.ModelSerializer):
    buffer = serializers.CharField(
        source="buffer.name", read_only=True, help_text=_("The e-mail buffer's name.")
    )
    columns = serializers.ListField(
        child=serializers.ChoiceField(choices=["subject", "sender", "received"]),
        read_only=True,
        help_text=_("Columns the point's mail list shows to operators."),
    )
    mails_url = serializers.SerializerMethodField()

    class Meta:
        model = AcdPoint
        fields = [
            "id",
            "name",
            "kind",
            "buffer",
            "columns",
            "graphic_only",
            "allow_documents_without_files",
            "document_per_attachment",
            "delete_after_generate",
            "allow_delete_from_mailbox",
            "mails_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_mails_url(self, point) -> str:
        return _absolute(self, "point-mails", point.pk)


class AttachmentSerializer(BoundedTextMixin, serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    download_url = serializers.SerializerMethodField()
    bounded_text = {
        "name": 255,
        "declared_type": 255,
        "sniffed_type": 255,
        "origin": 500,
        "problem_detail": 2000,
    }

    class Meta:
        model = Attachment
        fields = [
            "id",
            "name",
            "size",
            "sha256",
            "declared_type",
            "sniffed_type",
            "is_graphic",
            "is_inline",
            "origin",
            "role",
            "problem",
            "problem_detail",
            "download_url",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "role": {
                "help_text": _("Only documents are proposed for documents; the rest stay downloadable.")
            },
            # Empty is a value of its own (a whole file): the schema lists it (BlankEnum) with the choices.
            "problem": {
                "help_text": _("What is wrong with the file, if anything (empty when it is whole)."),
                "allow_blank": True,
            },
            "problem_detail": {
                "help_text": _(
                    "The problem in words, in the request's language (Accept-Language), English by default."
                )
            },
            "declared_type": {"help_text": _("The type the sender's mail declared.")},
            "sniffed_type": {"help_text": _("The type judged by the file's content.")},
            "origin": {"help_text": _("Where in the mail the file was found (e.g. a forwarded mail).")},
        }

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment) -> str:
        return _absolute(self, "attachment-file", self.context["point"].pk, attachment.pk)


class MailSerializer(BoundedTextMixin, serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    defects = DefectsField(
        child=serializers.CharField(),
        read_only=True,
        help_text=_("What was wrong with the mail and how it was read all the same (English)."),
    )
    attachments = AttachmentSerializer(many=True, read_only=True)
    bounded_text = {
        "subject": Message.SUBJECT_LIMIT,
        "sender": 998,
        "sender_address": 320,
        "header_date_text": 200,
        "unreadable_reason": 2000,
        "signature_detail": 500,
        "recipients": Message.RECIPIENTS_LIMIT,
        "message_id": 998,
        "snippet": 300,
    }

    class Meta:
        model = Message
        fields = [
            "id",
            "url",
            "subject",
            "sender",
            "sender_address",
            "received_at",
            "header_date",
            "header_date_text",
            "state",
            "unreadable_reason",
            "signature",
            "signature_detail",
            "defects",
            "attachment_count",
            "attachment_problems",
            "attachments",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "header_date": {
                "help_text": _("Null when the Date header is missing, unreadable or implausible.")
            },
            "header_date_text": {"help_text": _("The Date header as written.")},
            "attachment_count": {"help_text": _("Attachments that are documents.")},
            "signature": {"help_text": _("Empty when the mail is not signed."), "allow_blank": True},
        }

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, message) -> str:
        return _absolute(self, "point-mail", self.context["point"].pk, message.pk)


class HistorySerializer(BoundedTextMixin, serializers.ModelSerializer):
    """One recorded operator action: who did what, when."""

    employee = serializers.CharField(
        source="employee_name", read_only=True, help_text=_("Who did it (empty: the system).")
    )
    bounded_text = {"employee": 200, "detail": 300}

    class Meta:
        model = MailAction
        fields = ["action", "employee", "at", "detail"]
        read_only_fields = fields
        extra_kwargs = {
            "detail": {
                "help_text": _(
                    "What it concerned, e.g. the folder set, or the files taken for a document when the "
                    "operator chose them differently from the point's rules (— for none)."
                )
            }
        }


class MailDetailSerializer(MailSerializer):
    history = HistorySerializer(
        source="point_actions",
        many=True,
        read_only=True,
        help_text=_("What operators did with this mail, oldest first."),
    )
    document = serializers.SerializerMethodField(
        help_text=_(
            "The document generated from this mail, if any; the first of them at a point that makes a "
            "document of each attachment (all are in documents)."
        )
    )
    documents = serializers.SerializerMethodField(
        help_text=_("All documents generated from this mail, oldest first (several: one per attachment).")
    )

    class Meta(MailSerializer.Meta):
        fields = [
            *MailSerializer.Meta.fields,
            "recipients",
            "message_id",
            "size",
            "snippet",
            "document",
            "documents",
            "history",
        ]
        read_only_fields = fields

    def _document_ids(self, message) -> list[int]:
        if not hasattr(message, "_document_ids"):
            message._document_ids = list(
                message.point_documents.order_by("pk").values_list("document_id", flat=True)
            )
        return message._document_ids

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_document(self, message) -> int | None:
        ids = self._document_ids(message)
        return ids[0] if ids else None

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_documents(self, message) -> list[int]:
        return self._document_ids(message)


class MailPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text=_("The next (older) page, or null at the end."))
    previous = serializers.URLField(allow_null=True, help_text=_("The previous (newer) page, or null."))
    results = MailSerializer(many=True)


class MailQuerySerializer(serializers.Serializer):
    """The mail list's query: the filters of the page, its cursors, and a page size."""

    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text=_("Search in subject, sender, file names."),
    )
    state = serializers.ChoiceField(choices=[(state.value, state.label) for state in STATES], required=False)
    has_attachments = serializers.BooleanField(required=False, default=False)
    date_from = serializers.DateField(required=False, help_text=_("Received on or after this day."))
    date_to = serializers.DateField(required=False, help_text=_("Received on or before this day."))
    after = queries.cursor_field(_("Opaque: the next link's value (the page older than this one)."))
    before = queries.cursor_field(_("Opaque: the previous link's value (the page newer than this one)."))
    page_size = queries.page_size_field()

    def filters(self) -> MailFilters:
        """The checked query as the pages' MailFilters (which silently drop values they do not know)."""
        data = self.validated_data
        return MailFilters.from_query(
            {
                "q": data.get("q", ""),
                "state": data.get("state", ""),
                "has_attachments": "1" if data["has_attachments"] else "",
                "date_from": data["date_from"].isoformat() if data.get("date_from") else "",
                "date_to": data["date_to"].isoformat() if data.get("date_to") else "",
            }
        )


class DocumentFileSerializer(BoundedTextMixin, serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    download_url = serializers.SerializerMethodField()
    bounded_text = {"name": 255, "content_type": 120}

    class Meta:
        model = DocumentFile
        fields = ["id", "name", "size", "sha256", "content_type", "download_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, stored) -> str:
        return _absolute(self, "document-file", stored.document_id, stored.pk)


class DocumentSerializer(BoundedTextMixin, serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    bounded_text = {"title": 300, "source": 300, "created_by": 200}
    point = serializers.IntegerField(
        source="point_document.point_id",
        allow_null=True,
        read_only=True,
        help_text=_("The ACD point it was generated at, if any."),
    )
    mail = serializers.IntegerField(
        source="point_document.message_id",
        allow_null=True,
        read_only=True,
        help_text=_("The mail it was generated from, if any."),
    )
    created_by = serializers.CharField(
        allow_null=True, read_only=True, help_text=_("Name of the employee who generated it.")
    )
    source = serializers.SerializerMethodField(
        help_text=_("Where it came from, in the language the request asks for (English by default).")
    )
    files = DocumentFileSerializer(many=True, read_only=True)

    class Meta:
        model = Document
        fields = ["id", "url", "title", "source", "point", "mail", "created_by", "created_at", "files"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, document) -> str:
        return _absolute(self, "document", document.pk)

    def get_source(self, document) -> str:
        return reasons.render(document.source, reason_language(self))


class DocumentDetailSerializer(DocumentSerializer):
    history = serializers.SerializerMethodField(
        help_text=_("What operators did with the document's mail (or the document), oldest first.")
    )

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "history"]
        read_only_fields = fields

    @extend_schema_field(HistorySerializer(many=True))
    def get_history(self, document) -> list:
        link = getattr(document, "point_document", None)
        rows = link.message.point_actions.all() if link else document.point_actions.all()
        return HistorySerializer(rows, many=True).data
