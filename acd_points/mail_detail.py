"""What a mail's page shows: the selector the workspace view calls. Everything comes from what intake
stored; the page never parses the mail again."""

from dataclasses import dataclass

from mailboxes.models import Attachment, Message


@dataclass
class ShownMail:
    message: Message
    text: str
    text_missing: bool  # stored before intake kept the body text: re-read it (mailboxes.polling.rereading)
    attachments: list[Attachment]
    document: object  # the PointDocument generated from it, or None


def shown_mail(message: Message) -> ShownMail:
    return ShownMail(
        message=message,
        text=message.body_text or "",
        text_missing=message.body_text is None,
        attachments=list(message.attachments.order_by("position")),
        document=getattr(message, "point_document", None),
    )
