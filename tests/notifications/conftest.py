import secrets

import pytest

from mailboxes.models import Mailbox
from mailboxes.notifications.tenant_settings import choose_notification_mailbox


@pytest.fixture(autouse=True)
def empty_smtp_server(smtp_server):
    smtp_server.clear()


@pytest.fixture(autouse=True)
def portal_address(settings):
    settings.PORTAL_BASE_URL = "https://portal.example.com"


@pytest.fixture
def outgoing_box(make_mailbox, smtp_server, smtp_user):
    """An outgoing mailbox of tenant alpha on the test SMTP server (STARTTLS, login and password)."""

    def make(**fields):
        values = {
            "purpose": Mailbox.Purpose.OUTGOING,
            "port": smtp_server.starttls_port,
            "encryption": Mailbox.Encryption.STARTTLS,
            "email_address": "powiadomienia@alpha.example",
            "login": smtp_user.login,
            "password": smtp_user.password,
        } | fields
        return make_mailbox(**values)

    return make


@pytest.fixture
def notification_mailbox(outgoing_box, world_a):
    """Tenant alpha's notification mailbox, chosen (call with fields to change it, e.g. automat=True)."""

    def choose(language="", **fields):
        mailbox = outgoing_box(**fields)
        choose_notification_mailbox(tenant=world_a.tenant, mailbox=mailbox, language=language)
        return mailbox

    return choose


@pytest.fixture
def oauth_sender(ms_authority, oauth_client, make_mailbox, smtp_server):
    """An outgoing Microsoft OAuth (delegated) mailbox whose owner exists at the authority; not signed in."""
    login = f"notify-{secrets.token_hex(4)}@alpha.example"
    ms_authority.add_user(login)
    return make_mailbox(
        purpose=Mailbox.Purpose.OUTGOING,
        port=smtp_server.starttls_port,
        encryption=Mailbox.Encryption.STARTTLS,
        auth_method=Mailbox.AuthMethod.MICROSOFT_OAUTH,
        email_address=login,
        oauth_client_id=oauth_client.client_id,
        oauth_client_secret=oauth_client.client_secret,
        oauth_directory_id=ms_authority.tenant_id,
    )
