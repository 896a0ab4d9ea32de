"""E-mail notifications through the tenant's notification mailbox (SPEC rules 9, 10, 22).

The API other apps call. Everything is recorded in the caller's transaction and sent after the commit
by workers (see outbox.py and sending.py).
"""

from mailboxes.notifications.events import document_generated
from mailboxes.notifications.recipients import register_digest_link, register_recipient_source

__all__ = ["document_generated", "register_digest_link", "register_recipient_source"]
