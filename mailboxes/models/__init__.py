from mailboxes.models.buffer import Buffer
from mailboxes.models.mailbox import Mailbox
from mailboxes.models.message import Attachment, Message
from mailboxes.models.notification import Notification, NotificationPreference, NotificationSettings

__all__ = [
    "Attachment",
    "Buffer",
    "Mailbox",
    "Message",
    "Notification",
    "NotificationPreference",
    "NotificationSettings",
]
