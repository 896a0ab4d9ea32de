"""What the API's generate endpoint accepts and answers: input checks and display only; whether chosen
attachments belong to their mails is checked by the view against acd_points.generate, what happens is
decided in acd_points.actions."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from acd_points.models import NoFiles

MAX_ID = 2**63 - 1  # ids are 64-bit; larger numbers are refused, not passed to the database
MAX_MAILS_PER_CALL = 500
MAX_ATTACHMENTS_CHOSEN = 1000  # per mail; intake keeps far fewer attachments of one mail


class GenerateRequestSerializer(serializers.Serializer):
    mails = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        allow_empty=False,
        max_length=MAX_MAILS_PER_CALL,
        help_text=_("Ids of the point's mails to make documents of."),
    )
    attachments = serializers.DictField(
        child=serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
            allow_empty=True,
            max_length=MAX_ATTACHMENTS_CHOSEN,
        ),
        required=False,
        help_text=_(
            "The attachments to take, per mail: mail id (as a string key) → attachment ids, e.g. "
            '{"17": [40, 41]}; an empty list makes a document without files (if the point allows it). '
            "Each mail named here must be in mails, and each id an attachment of that mail that can be "
            "copied (not encrypted, unreadable or missing). Mails not named: the point's rules choose."
        ),
    )

    def validate_mails(self, value):
        return list(dict.fromkeys(value))  # a repeated id would be reported once created, once skipped

    def validate_attachments(self, value):
        if len(value) > MAX_MAILS_PER_CALL:
            raise serializers.ValidationError(_("At most %(n)d mails per call.") % {"n": MAX_MAILS_PER_CALL})
        errors, chosen = {}, {}
        for key, ids in value.items():
            if not key.isdigit() or not 0 < int(key) <= MAX_ID:
                errors[key] = [_("Not a mail id.")]
                continue
            chosen[int(key)] = list(dict.fromkeys(ids))
        if errors:
            raise serializers.ValidationError(errors)
        return chosen

    def validate(self, data):
        outside = [str(pk) for pk in data.get("attachments", {}) if pk not in data["mails"]]
        if outside:
            raise serializers.ValidationError(
                {"attachments": {pk: [_("This mail is not among the mails to generate.")] for pk in outside}}
            )
        return data


class NoFilesReasonSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=NoFiles.choices, help_text=_("Why the mail has no attachment to copy.")
    )
    detail = serializers.SerializerMethodField(help_text=_("The reason in words."))

    def get_detail(self, item) -> str:
        return str(NoFiles(item.reason).label)


class RefusalSerializer(NoFilesReasonSerializer):
    mail = serializers.IntegerField(source="message_id")


class EmptyDocumentSerializer(NoFilesReasonSerializer):
    mail = serializers.IntegerField(source="message_id")
    document = serializers.IntegerField(source="document_id")


class GenerateResultSerializer(serializers.Serializer):
    created = serializers.ListField(
        child=serializers.IntegerField(),
        help_text=_(
            "Ids of the documents created: one per mail, or one per attachment at a point that makes a "
            "document of each."
        ),
    )
    skipped = serializers.ListField(
        child=serializers.IntegerField(),
        help_text=_(
            "Ids of mails skipped: their document exists already, they cannot be read, "
            "or they are not mails of this point."
        ),
    )
    refused = RefusalSerializer(
        many=True,
        help_text=_(
            "Mails not generated because they have no attachment to copy and the point does not allow "
            "documents without files; they stay as they were."
        ),
    )
    without_files = EmptyDocumentSerializer(
        many=True,
        help_text=_("Documents among those created that have no files, as the point allows, and why."),
    )


class GenerateRefusedSerializer(GenerateResultSerializer):
    """The answer when mails were refused and no document was created."""

    code = serializers.CharField(
        help_text=_(
            "The mails' common reason (no_attachments, no_document_attachments, no_graphic_attachments, "
            "unusable_attachments, none_chosen), or no_eligible_attachments when they differ."
        )
    )
    detail = serializers.CharField()
