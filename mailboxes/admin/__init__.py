from mailboxes.admin.buffer import BufferAdmin
from mailboxes.admin.mailbox import MailboxAdmin
from mailboxes.admin.stored_mail import MessageAdmin
from mailboxes.notifications.admin import NotificationAdmin

__all__ = ["BufferAdmin", "MailboxAdmin", "MessageAdmin", "NotificationAdmin"]
