import functools

import pytest

from mailboxes.notifications.tenant_settings import choose_notification_mailbox
from tests import builders


@pytest.fixture(autouse=True)
def empty_smtp_server(smtp_server):
    smtp_server.clear()


@pytest.fixture(autouse=True)
def portal_address(settings):
    settings.PORTAL_BASE_URL = "https://portal.example.com"


@pytest.fixture
def outgoing_box(world_a, ca_pem, smtp_server, smtp_user):
    """An outgoing mailbox of tenant alpha on the test SMTP server (STARTTLS, login and password)."""
    return functools.partial(
        builders.make_outgoing_mailbox,
        tenant=world_a.tenant,
        smtp_server=smtp_server,
        smtp_user=smtp_user,
        trusted_certificate=ca_pem,
    )


@pytest.fixture
def notification_mailbox(outgoing_box, world_a):
    """Tenant alpha's notification mailbox, chosen (call with fields to change it, e.g. automat=True)."""

    def choose(language="", **fields):
        mailbox = outgoing_box(**fields)
        choose_notification_mailbox(tenant=world_a.tenant, mailbox=mailbox, language=language)
        return mailbox

    return choose


@pytest.fixture
def oauth_sender(ms_authority, oauth_client, world_a, ca_pem, smtp_server):
    """An outgoing Microsoft OAuth (delegated) mailbox whose owner exists at the authority; not signed in."""
    return builders.make_oauth_outgoing_mailbox(
        world_a.tenant,
        authority=ms_authority,
        oauth_client=oauth_client,
        smtp_server=smtp_server,
        trusted_certificate=ca_pem,
    )
