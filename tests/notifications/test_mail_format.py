"""What recipients receive, read back from a real SMTP server: headers as bytes on the wire, the text and
HTML parts, the Automat footer, the links. Nothing between the portal and aiosmtpd is mocked."""

from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from mailboxes.connections.outgoing import send_test_message
from mailboxes.models import Mailbox, Notification
from mailboxes.notifications.events import document_generated
from mailboxes.notifications.sending import send_notification
from tests.builders import queue, want
from tests.notifications.helpers import parse, parts
from tests.servers.ports import free_port
from tests.servers.smtp import SERVER_HOSTNAME, SmtpServer, _Handler

FOOTER_EN = "This message was sent automatically by the intake portal. Please do not reply to it."
FOOTER_PL = (
    "Ta wiadomość została wysłana automatycznie przez portal przyjmowania dokumentów. "
    "Prosimy na nią nie odpowiadać."
)


def header_line(data: bytes, name: bytes) -> bytes:
    """The header exactly as transmitted (unfolded lines joined), without its name."""
    head = data.split(b"\r\n\r\n", 1)[0]
    lines = head.split(b"\r\n")
    for index, line in enumerate(lines):
        if line.lower().startswith(name.lower() + b":"):
            value = [line[len(name) + 1 :]]
            for continuation in lines[index + 1 :]:
                if not continuation[:1].isspace():
                    break
                value.append(continuation)
            return b"\r\n".join(value)
    raise AssertionError(f"no {name!r} header")


@pytest.fixture
def polish_world(world_a):
    world_a.tenant.name = "Spółka Żółw"
    world_a.tenant.save()
    world_a.operator.display_name = "Łukasz Gęś"
    world_a.operator.save()
    return world_a


def test_headers_on_the_wire_encode_polish_subjects_and_names_and_carry_the_stored_message_id(
    notification_mailbox, polish_world, smtp_server, smtp_user
):
    notification_mailbox()
    notification = queue(polish_world, title="Faktura – Łódź")  # noqa: RUF001  (a real en dash)
    assert send_notification(notification.pk) == "sent"
    [received] = smtp_server.wait_for_messages(1)
    data = received.data
    assert received.rcpt_tos == ("operator@alpha.example",)
    assert received.mail_from == "powiadomienia@alpha.example"
    assert header_line(data, b"Subject") == b" Document generated: Faktura =?utf-8?b?4oCTIMWBw7Nkxbo=?="
    assert header_line(data, b"To") == b" =?utf-8?b?xYF1a2FzeiBHxJnFmw==?= <operator@alpha.example>"
    assert (
        header_line(data, b"From") == b" =?utf-8?b?U3DDs8WCa2EgxbvDs8WCdw==?= <powiadomienia@alpha.example>"
    )
    assert header_line(data, b"Message-ID") == b" " + notification.message_id.encode()
    assert notification.message_id.endswith("@portal.example.com>")
    assert header_line(data, b"Auto-Submitted") == b" auto-generated"
    sent_at = parsedate_to_datetime(header_line(data, b"Date").decode().strip())
    assert abs(sent_at - timezone.now()) < timedelta(minutes=1)
    message = parse(received)
    assert message["Subject"] == "Document generated: Faktura – Łódź"  # noqa: RUF001
    assert str(message["To"]) == "Łukasz Gęś <operator@alpha.example>"
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in message.iter_parts())


@pytest.mark.parametrize("automat", [True, False], ids=["automat", "no-automat"])
@pytest.mark.parametrize("port", ["starttls_port", "implicit_tls_port"])
def test_the_footer_ends_both_parts_exactly_when_the_mailbox_is_automat(
    notification_mailbox, world_a, smtp_server, smtp_user, automat, port
):
    encryption = Mailbox.Encryption.STARTTLS if port == "starttls_port" else Mailbox.Encryption.SSL_TLS
    notification_mailbox(automat=automat, port=getattr(smtp_server, port), encryption=encryption)
    assert send_notification(queue(world_a).pk) == "sent"
    [received] = smtp_server.wait_for_messages(1)
    assert (received.tls, received.auth_mechanism, received.login) == (True, "PLAIN", smtp_user.login)
    text, html = parts(received)
    assert text.endswith(f"\n\n-- \n{FOOTER_EN}\n") is automat
    assert (FOOTER_EN in text) is automat
    footer_html = f'<hr><p style="color:#666;font-size:small">{FOOTER_EN}</p></body>'
    assert (footer_html in html) is automat
    assert (FOOTER_EN in html) is automat


def test_a_polish_tenant_gets_the_footer_in_polish(notification_mailbox, world_a, smtp_server):
    notification_mailbox(automat=True, language="pl")
    assert send_notification(queue(world_a).pk) == "sent"
    [received] = smtp_server.wait_for_messages(1)
    text, html = parts(received)
    assert text.endswith(f"\n\n-- \n{FOOTER_PL}\n")
    assert FOOTER_PL in html and FOOTER_EN not in html
    assert '<html lang="pl">' in html


def test_links_are_absolute_and_lead_to_the_page_concerned(notification_mailbox, world_a, smtp_server):
    notification_mailbox()
    want(world_a.operator, document_generated=True)
    document_generated(
        tenant=world_a.tenant,
        document_title="Faktura 9/2026",
        link_path="/acd/documents/9/",
        actor=world_a.admin,
        recipients=[world_a.operator],
    )
    [notification] = Notification.all_tenants.filter(recipient=world_a.operator)
    assert send_notification(notification.pk) == "sent"
    [received] = smtp_server.wait_for_messages(1)
    text, html = parts(received)
    assert "\nhttps://portal.example.com/acd/documents/9/\n" in text
    assert '<a href="https://portal.example.com/acd/documents/9/"' in html
    assert "https://portal.example.com/mailboxes/notifications/" in text  # where to turn it off


def test_the_test_message_is_multipart_with_the_footer_in_both_parts(outgoing_box, smtp_server):
    send_test_message(outgoing_box(automat=True), to="admin@alpha.example")
    [received] = smtp_server.wait_for_messages(1)
    text, html = parts(received)
    assert text.endswith(f"-- \n{FOOTER_EN}\n")
    assert FOOTER_EN in html


class LoginOnlySmtpServer(SmtpServer):
    """One implicit-TLS listener offering AUTH LOGIN (and XOAUTH2) but not PLAIN."""

    def start(self):
        handler = _Handler(self, implicit_tls=True)
        handler.port = free_port(self.host)
        controller = Controller(
            handler,
            hostname=self.host,
            port=handler.port,
            ssl_context=self.tls.server_context(),
            authenticator=self._authenticate,
            server_hostname=SERVER_HOSTNAME,
            auth_require_tls=False,
            auth_exclude_mechanism=["PLAIN"],
        )
        controller.start()
        self._controllers.append(controller)
        self.implicit_tls_port = handler.port
        return self


@pytest.fixture(scope="module")
def login_only_server(tls_material):
    with LoginOnlySmtpServer(tls_material) as server:
        yield server


def test_a_server_offering_only_auth_login_gets_the_mail_with_login(
    notification_mailbox, world_a, login_only_server
):
    user = login_only_server.add_user()
    notification_mailbox(
        port=login_only_server.implicit_tls_port,
        encryption=Mailbox.Encryption.SSL_TLS,
        login=user.login,
        password=user.password,
    )
    assert send_notification(queue(world_a).pk) == "sent"
    [received] = login_only_server.wait_for_messages(1)
    assert (received.auth_mechanism, received.login, received.tls) == ("LOGIN", user.login, True)
    assert received.rcpt_tos == ("operator@alpha.example",)
