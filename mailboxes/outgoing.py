"""Composing and sending mail through an outgoing mailbox, with the Automat footer where it is set."""

from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from django.utils.translation import gettext as _

from mailboxes.credentials import with_server
from mailboxes.models import Mailbox
from mailboxes.protocols import smtp


def automat_footer() -> str:
    return _("This message was sent automatically by the intake portal. Please do not reply to it.")


def compose(
    mailbox: Mailbox, *, to: list[str], subject: str, text: str, html: str = "", message_id: str = ""
):
    message = EmailMessage()
    message["From"] = formataddr((mailbox.name, mailbox.email_address))
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id or make_msgid(domain=mailbox.email_address.rpartition("@")[2] or None)
    if mailbox.automat:
        text = f"{text.rstrip()}\n\n-- \n{automat_footer()}\n"
        if html:
            html = f'{html}<hr><p style="color:#666;font-size:small">{automat_footer()}</p>'
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def send(mailbox: Mailbox, message: EmailMessage) -> None:
    recipients = [a.strip() for a in message["To"].split(",") if a.strip()]
    data = message.as_bytes()

    def deliver(server):
        smtp.send(server, sender=mailbox.email_address, recipients=recipients, message=data)

    with_server(mailbox, deliver)


def send_test_message(mailbox: Mailbox, *, to: str) -> None:
    message = compose(
        mailbox,
        to=[to],
        subject=_("Intake portal: test message"),
        text=_("This is a test message from the intake portal, sent through the mailbox %(name)s.")
        % {"name": mailbox.name},
    )
    send(mailbox, message)
