"""What a mail's page shows: the selector the workspace view calls."""

from dataclasses import dataclass

from mailboxes.extract import extract_mail
from mailboxes.models import Attachment, Message
from mailboxes.polling import ingest


@dataclass
class ShownMail:
    message: Message
    text: str
    attachments: list[Attachment]
    document: object  # the PointDocument generated from it, or None


def body_text(message: Message) -> str:
    """The body text stored at intake; mail stored before that was kept is extracted once, then kept."""
    if message.body_text is None:
        with message.raw.open("rb") as handle:
            message.body_text = ingest.body_text(extract_mail(handle.read()))
        Message.objects.filter(pk=message.pk).update(body_text=message.body_text)
    return message.body_text


def shown_mail(message: Message) -> ShownMail:
    return ShownMail(
        message=message,
        text=body_text(message),
        attachments=list(message.attachments.order_by("position")),
        document=getattr(message, "point_document", None),
    )
