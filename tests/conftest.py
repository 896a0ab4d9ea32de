import functools
import subprocess

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from tests import builders
from tests.builders.two_factor import mark_verified

pytest_plugins = ["tests.servers.fixtures", "tests.fixtures.points"]


@pytest.fixture
def world_a(db):
    return builders.make_tenant_world("alpha")


@pytest.fixture
def world_b(db):
    return builders.make_tenant_world("beta")


def _client_for(employee_or_user):
    client = Client()
    user = getattr(employee_or_user, "user", employee_or_user)
    client.force_login(user)
    if user.is_superuser:
        mark_verified(client, user)  # platform superusers always owe a second factor
    return client


@pytest.fixture
def client_for():
    """A logged-in test client for an Employee (or a plain user); a superuser's session is one that
    passed the second factor."""
    return _client_for


@pytest.fixture
def ca_pem(tls_material):
    return tls_material.ca_cert.read_text()


@pytest.fixture
def ms_authority(settings, oauth_authority, tls_material):
    """Point the portal's MSAL at the local authority, trusting its certificate."""
    settings.MS_AUTHORITY_HOST = oauth_authority.base_url
    settings.MS_AUTHORITY_CA_BUNDLE = str(tls_material.ca_cert)
    return oauth_authority


@pytest.fixture
def make_mailbox(world_a, ca_pem):
    """A Mailbox of tenant alpha on 127.0.0.1 trusting the test CA (saved unless save=False)."""
    return functools.partial(builders.make_local_mailbox, tenant=world_a.tenant, trusted_certificate=ca_pem)


@pytest.fixture
def tiny_disk(tmp_path):
    """A real, small file system (tmpfs, 2 MiB) to fill up or make read-only; needs mount rights (root)."""
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mountpoint)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.decode().strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a page asked for in Polish activates Polish in the
    thread (LocaleMiddleware never deactivates it), which would otherwise leak into the next test."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
