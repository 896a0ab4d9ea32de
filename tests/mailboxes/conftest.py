"""Fixtures of the mailbox tests; the mailbox fixtures other areas need too live in tests/conftest.py."""

import contextlib

import pytest

from mailboxes.models import Mailbox
from mailboxes.protocols import network
from tests.mailboxes.other_server import RecordingListener


@pytest.fixture
def admin_client(client_for, world_a):
    return client_for(world_a.admin)


@pytest.fixture
def oauth_box(make_mailbox, ms_authority, oauth_client, oauth_mail_user, dovecot):
    def make(**fields):
        values = {
            "auth_method": Mailbox.AuthMethod.MICROSOFT_OAUTH,
            "port": dovecot.imaps_port,
            "email_address": oauth_mail_user.login,
            "oauth_client_id": oauth_client.client_id,
            "oauth_client_secret": oauth_client.client_secret,
            "oauth_directory_id": ms_authority.tenant_id,
        } | fields
        return make_mailbox(**values)

    return make


@pytest.fixture
def listener(tls_material):
    """listener("imap") or listener("smtp"): a recording server on the address localhost resolves to."""
    with contextlib.ExitStack() as stack:
        address = network.resolve("localhost", 0).address

        def start(protocol):
            return stack.enter_context(RecordingListener(tls_material, protocol=protocol, address=address))

        yield start
