from mailboxes.models.buffer import Buffer
from mailboxes.models.mailbox import Mailbox
from mailboxes.models.message import Attachment, Message

__all__ = ["Attachment", "Buffer", "Mailbox", "Message"]
