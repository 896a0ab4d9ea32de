"""A notification as a mail: subject, text and HTML from templates, in the tenant's language.

The language is the tenant's notification language (NotificationSettings.language, else the portal's
default; employees have no language of their own): the texts, and the stored reasons in them (a
mailbox's error, stored as a code), are rendered in it."""

from email.headerregistry import Address

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from intake import reasons
from intake.files import bounded, fit_to_show
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

# What a notification shows of text outsiders wrote (subjects, senders, file names, server errors), however
# large the stored value: rows recorded before intake capped them exist.
SHOWN_TEXT = 300
SHOWN_ERROR = 1000
SHOWN_ITEMS = 20  # entries of a list (the digest's latest mails)
SUBJECT_LENGTH = 250
NAME_LENGTH = 100


def header_name(text) -> str:
    """A display name for From/To: one line, no invisible controls, short. A stored name with a line
    break would otherwise make every later mail to or of its owner fail (the email package refuses it)."""
    return bounded(" ".join(fit_to_show(str(text or "")).split()), NAME_LENGTH)


def shown(value, limit: int = SHOWN_TEXT):
    """`value` of a notification's context made fit to show: strings cleaned and bounded, lists cut."""
    if isinstance(value, str):
        return bounded(fit_to_show(value[: limit * 2]), limit)
    if isinstance(value, list | tuple):
        return [shown(item, limit) for item in value[:SHOWN_ITEMS]]
    if isinstance(value, dict):
        return {key: shown(item, limit) for key, item in value.items()}
    return value


def build(notification: Notification, mailbox: Mailbox, *, language: str):
    """The mail for `notification`, sent through `mailbox`; its Message-ID is the notification's own."""
    recipient = notification.recipient
    recipient_name = header_name(recipient) or header_name(recipient.user.get_username())
    tenant_name = header_name(notification.tenant.name)
    context = {
        "notification": notification,
        "recipient_name": recipient_name,
        "tenant_name": tenant_name,
        "link": absolute_link(notification.link_path),
        "preferences_link": absolute_link(reverse("mailboxes:notification-preferences")),
        **{key: shown(value, SHOWN_TEXT) for key, value in notification.context.items() if key != "error"},
        # The stored reason (a code) in the mail's language, the recipient's: see the module's doc.
        "error": shown(reasons.render(notification.context.get("error", ""), language), SHOWN_ERROR),
    }
    base = f"mailboxes/notifications/mail/{TEMPLATES[notification.kind]}"
    with translation.override(language):
        subject = render_to_string(f"{base}_subject.txt", context)
        text = render_to_string(f"{base}.txt", context)
        html = render_to_string(f"{base}.html", context)
        return compose(
            mailbox,
            to=[Address(recipient_name, addr_spec=notification.to_address)],
            subject=bounded(" ".join(fit_to_show(subject).split()), SUBJECT_LENGTH),
            text=text,
            html=html,
            message_id=notification.message_id,
            # Never empty: compose would fall back to the mailbox's name as stored.
            sender_name=tenant_name or header_name(mailbox.name) or gettext("Intake portal"),
            headers=AUTOMATED_HEADERS,
        )
