"""A notification as a mail: subject, text and HTML from templates, in the tenant's language."""

from email.headerregistry import Address

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from mailboxes.connections.outgoing import compose
from mailboxes.models import Mailbox, Notification
from mailboxes.notifications.outbox import absolute_link

TEMPLATES = {
    Notification.Kind.NEW_MAIL: "new_mail",
    Notification.Kind.DOCUMENT_GENERATED: "document_generated",
    Notification.Kind.MAILBOX_PROBLEM: "mailbox_problem",
    Notification.Kind.MAILBOX_RECOVERED: "mailbox_recovered",
}

# Automated mail (RFC 3834): auto-responders and Exchange's out-of-office replies leave it alone.
AUTOMATED_HEADERS = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}


def build(notification: Notification, mailbox: Mailbox, *, language: str):
    """The mail for `notification`, sent through `mailbox`; its Message-ID is the notification's own."""
    recipient = notification.recipient
    context = {
        "notification": notification,
        "recipient_name": str(recipient),
        "tenant_name": notification.tenant.name,
        "link": absolute_link(notification.link_path),
        "preferences_link": absolute_link(reverse("mailboxes:notification-preferences")),
        **notification.context,
    }
    base = f"mailboxes/notifications/mail/{TEMPLATES[notification.kind]}"
    with translation.override(language):
        subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
        text = render_to_string(f"{base}.txt", context)
        html = render_to_string(f"{base}.html", context)
        return compose(
            mailbox,
            to=[Address(str(recipient), addr_spec=notification.to_address)],
            subject=subject,
            text=text,
            html=html,
            message_id=notification.message_id,
            sender_name=notification.tenant.name,
            headers=AUTOMATED_HEADERS,
        )
