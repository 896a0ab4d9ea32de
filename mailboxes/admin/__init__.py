from mailboxes.admin.buffer import BufferAdmin, MessageAdmin
from mailboxes.admin.mailbox import MailboxAdmin

__all__ = ["BufferAdmin", "MailboxAdmin", "MessageAdmin"]
