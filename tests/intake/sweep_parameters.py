"""What each path parameter of the URL sweep (test_url_sweep.py) names, by the URL's name."""

from dataclasses import dataclass

from acd_points.models import AcdPoint, ApiToken
from intake.admin import site
from intake.models import Document, DocumentFile
from mailboxes.models import Attachment, Buffer, Message


@dataclass(frozen=True)
class ContentTypeOf:
    model: type


# What each path parameter names, by the URL's name: a model (its id filled in: the own tenant's, the other
# tenant's, or an unused one) or literal values. Admin pages' object_id (and the user admin's id) need none.
PARAMETERS = {
    ("acd:point", "pk"): AcdPoint,
    ("acd:point-action", "pk"): AcdPoint,
    ("acd:set-folder", "pk"): AcdPoint,
    ("acd:confirm-delete", "pk"): AcdPoint,
    ("acd:mail", "pk"): AcdPoint,
    ("acd:mail", "mail_pk"): Message,
    ("acd:attachment", "pk"): AcdPoint,
    ("acd:attachment", "attachment_pk"): Attachment,
    ("acd:attachment", "disposition"): ("download", "preview"),
    ("acd:buffer", "pk"): Buffer,
    ("acd:buffer-mail", "pk"): Buffer,
    ("acd:buffer-mail", "mail_pk"): Message,
    ("acd:buffer-attachment", "pk"): Buffer,
    ("acd:buffer-attachment", "attachment_pk"): Attachment,
    ("acd:buffer-attachment", "disposition"): ("download", "preview"),
    ("acd:document", "pk"): Document,
    ("acd:document-file", "pk"): Document,
    ("acd:document-file", "file_pk"): DocumentFile,
    ("acd:revoke-api-token", "token_pk"): ApiToken,
    ("api:point", "pk"): AcdPoint,
    ("api:point-mails", "pk"): AcdPoint,
    ("api:point-mail", "pk"): AcdPoint,
    ("api:point-mail", "mail_id"): Message,
    ("api:attachment-file", "pk"): AcdPoint,
    ("api:attachment-file", "attachment_id"): Attachment,
    ("api:point-generate", "pk"): AcdPoint,
    ("api:document", "pk"): Document,
    ("api:document-file", "pk"): Document,
    ("api:document-file", "file_id"): DocumentFile,
    ("admin:view_on_site", "content_type_id"): (ContentTypeOf(AcdPoint),),
    ("admin:view_on_site", "object_id"): AcdPoint,
    ("admin:app_list", "app_label"): tuple(sorted({model._meta.app_label for model in site._registry})),
    ("admin/(?P<url>.*)$", "url"): ("no-such-page/",),
    ("api-unknown-path", "rest"): ("v1/no-such-thing/", "v2/points/"),
}
