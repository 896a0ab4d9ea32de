"""Composing and sending mail through an outgoing mailbox, with the Automat footer where it is set.

Every mail is multipart/alternative (text and HTML). With Automat set, both parts end with the footer,
in the language active while composing (callers use translation.override for the tenant's language).
"""

from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.conf import settings
from django.utils import timezone, translation
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _

from mailboxes.connections.credentials import with_server
from mailboxes.models import Mailbox
from mailboxes.protocols import smtp


def automat_footer() -> str:
    return _("This message was sent automatically by the intake portal. Please do not reply to it.")


def compose(
    mailbox: Mailbox,
    *,
    to: list,
    subject: str,
    text: str,
    html: str = "",
    message_id: str = "",
    sender_name: str = "",
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A text + HTML message from `mailbox`. `to`: addresses, or `Address` objects with display names.

    The email package encodes non-ASCII subjects and display names (RFC 2047) and folds long headers.
    """
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = Address(sender_name or mailbox.name, addr_spec=mailbox.email_address)
    message["To"] = [a if isinstance(a, Address) else Address(addr_spec=a) for a in to]
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.localtime())
    message["Message-ID"] = message_id or make_msgid(domain=mailbox.email_address.rpartition("@")[2] or None)
    for name, value in (headers or {}).items():
        message[name] = value
    html = html or linebreaks(text, autoescape=True)
    if mailbox.automat:
        footer = automat_footer()
        text = f"{text.rstrip()}\n\n-- \n{footer}\n"
        html = _append_to_body(html, f'<hr><p style="color:#666;font-size:small">{escape(footer)}</p>')
    # Quoted-printable keeps Polish text readable on the wire and needs no 8BITMIME from the server.
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    return message


def _append_to_body(html: str, addition: str) -> str:
    head, found, tail = html.rpartition("</body>")
    return f"{head}{addition}{found}{tail}" if found else f"{html}{addition}"


def send(mailbox: Mailbox, message: EmailMessage) -> None:
    recipients = [address.addr_spec for address in message["To"].addresses]
    data = message.as_bytes(policy=policy.SMTP)

    def deliver(server):
        smtp.send(server, sender=mailbox.email_address, recipients=recipients, message=data)

    with_server(mailbox, deliver)


def send_test_message(mailbox: Mailbox, *, to: str, language: str = "") -> None:
    """A test mail to `to`, in `language` (the caller knows the tenant's; default: the portal's)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        message = compose(
            mailbox,
            to=[to],
            subject=_("Intake portal: test message"),
            text=_("This is a test message from the intake portal, sent through the mailbox %(name)s.")
            % {"name": mailbox.name},
        )
    send(mailbox, message)
