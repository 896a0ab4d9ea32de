from mailboxes.admin.buffer import BufferAdmin, MessageAdmin
from mailboxes.admin.mailbox import MailboxAdmin
from mailboxes.notifications.admin import NotificationAdmin

__all__ = ["BufferAdmin", "MailboxAdmin", "MessageAdmin", "NotificationAdmin"]
