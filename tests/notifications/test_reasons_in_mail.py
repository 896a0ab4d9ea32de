"""A mailbox incident's mail gives the stored reason (a code) in the mail's language: the tenant's
notification language (employees have none of their own), with the server's words as they are."""

import pytest

from intake import reasons
from mailboxes.connections import state
from mailboxes.models import Notification
from mailboxes.notifications.sending import send_notification
from mailboxes.protocols.errors import AuthenticationRejected
from tests import builders
from tests.notifications.helpers import parts

REFUSED = "Authentication rejected: the server refused the login or password."
REFUSED_PL = "Uwierzytelnianie odrzucone: serwer nie przyjął loginu lub hasła."
SERVER_SAYS = "[AUTHENTICATIONFAILED] <b>nope</b>"


def _incident_mail(world_a, smtp_server) -> tuple[str, str]:
    failing = builders.make_remote_mailbox(world_a.tenant, name="Faktury", password="x")
    state.record_poll_failure(failing, AuthenticationRejected(detail=SERVER_SAYS + "x" * 1_000_000))
    [notice] = Notification.all_tenants.filter(kind="mailbox_problem")
    assert reasons.decode(notice.context["error"]).code == "mail.authentication_rejected"
    builders.make_due(notice)
    assert send_notification(notice.pk) == "sent"
    [received] = smtp_server.wait_for_messages(1)
    return parts(received)


@pytest.mark.parametrize(
    "language, shown, hidden", [("pl", REFUSED_PL, REFUSED), ("en", REFUSED, REFUSED_PL)]
)
def test_the_incident_mail_gives_the_reason_in_the_tenants_language(
    notification_mailbox, world_a, smtp_server, language, shown, hidden
):
    notification_mailbox(language=language)
    text, html = _incident_mail(world_a, smtp_server)
    for body in (text, html):
        assert shown in body and hidden not in body and "$reason" not in body
    assert SERVER_SAYS in text  # the text part carries the server's words as they are
    assert "&lt;b&gt;nope&lt;/b&gt;" in html and "<b>nope</b>" not in html  # escaped in HTML
    assert len(text) < 5000  # the huge detail was bounded
