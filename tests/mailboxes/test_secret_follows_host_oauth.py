"""Microsoft OAuth secrets never follow a changed server or app.

Tokens are bound to the server, login, authority, directory and app they were issued for: a change (in
the form or behind its back) discards them and the mailbox needs signing in again; no token reaches the
new server. The client secret is bound to its app (directory, client ID, grant; app-only also the mail
server, which its tokens reach without a sign-in): after a change it is sent to no authority until typed
again. Checked against the local authority, Dovecot, the test SMTP server and a recording listener.
"""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from mailboxes.connections.checking import check_connection
from mailboxes.models import Mailbox
from mailboxes.notifications.sending import Outcome, send_notification
from mailboxes.notifications.tenant_settings import choose_notification_mailbox
from tests import builders
from tests.mailboxes.other_server import (
    change_form,
    change_url,
    form_errors,
    messages_of,
    point_at,
)

SIGNED_OUT = (
    "You changed the server or app settings, so the Microsoft sign-in was discarded: press Authorize to "
    "sign in again."
)


@pytest.fixture
def signed_in(oauth_box, admin_client, ms_authority):
    """A delegated incoming mailbox on Dovecot, signed in through the admin."""
    mailbox = oauth_box()
    response = admin_client.post(reverse("admin:mailboxes_mailbox_authorize", args=[mailbox.pk]))
    callback = admin_client.get(
        reverse("mailboxes:oauth-callback"), ms_authority.follow_authorize(response.url)
    )
    assert callback.status_code == 302
    mailbox = Mailbox.all_tenants.get(pk=mailbox.pk)
    assert mailbox.state == Mailbox.State.READY and mailbox.oauth_token_cache
    return mailbox


def sign_in_again(client, mailbox, authority):
    response = client.post(reverse("admin:mailboxes_mailbox_authorize", args=[mailbox.pk]))
    return client.get(
        reverse("mailboxes:oauth-callback"), authority.follow_authorize(response.url), follow=True
    )


def secret_requests(authority, secret):
    return [r for r in authority.token_requests if r.params.get("client_secret") == secret]


# -- delegated: tokens ---------------------------------------------------------------------------------


def test_changing_the_server_in_the_form_signs_the_mailbox_out(admin_client, signed_in, listener):
    new_host = listener("imap")
    data = change_form(signed_in, host="localhost", port=new_host.port)
    response = admin_client.post(change_url(signed_in), data, follow=True)
    assert SIGNED_OUT in messages_of(response)
    stored = Mailbox.all_tenants.get(pk=signed_in.pk)
    assert (stored.oauth_token_cache, stored.oauth_account) == ("", "")
    assert stored.state == Mailbox.State.NEEDS_SIGN_IN
    response = admin_client.post(reverse("admin:mailboxes_mailbox_test", args=[stored.pk]), follow=True)
    assert any("sign-in" in message for message in messages_of(response))
    assert new_host.connections == 0


def test_signing_in_again_after_the_change_works(
    admin_client, signed_in, ms_authority, dovecot, oauth_mail_user
):
    data = change_form(signed_in, encryption="starttls", port=dovecot.imap_port)
    admin_client.post(change_url(signed_in), data)
    response = sign_in_again(admin_client, signed_in, ms_authority)
    assert f"User {oauth_mail_user.login} logged in." in messages_of(response)
    assert Mailbox.all_tenants.get(pk=signed_in.pk).state == Mailbox.State.READY
    assert dovecot.logins(oauth_mail_user.login)[-1].tls


@pytest.mark.parametrize("how", ["save", "update"])
def test_tokens_never_follow_a_server_changed_behind_the_forms_back(how, signed_in, listener):
    new_host = listener("imap")
    mailbox = point_at(signed_in, new_host, how)
    assert check_connection(mailbox).kind == "sign_in_required"
    assert new_host.connections == 0
    stored = Mailbox.all_tenants.get(pk=mailbox.pk)
    assert stored.oauth_token_cache == ""  # discarded: they belong to the old server
    assert stored.state == Mailbox.State.NEEDS_SIGN_IN


def test_a_sign_in_begun_before_the_server_changed_is_not_kept(
    admin_client, oauth_box, ms_authority, listener
):
    mailbox = oauth_box()
    response = admin_client.post(reverse("admin:mailboxes_mailbox_authorize", args=[mailbox.pk]))
    answer = ms_authority.follow_authorize(response.url)
    new_host = listener("imap")
    point_at(mailbox, new_host, "update")  # meanwhile, another administrator
    [message] = messages_of(admin_client.get(reverse("mailboxes:oauth-callback"), answer, follow=True))
    assert message.startswith("Failed to log in") and "changed during the sign-in" in message
    assert Mailbox.all_tenants.get(pk=mailbox.pk).oauth_token_cache == ""
    assert new_host.connections == 0


def test_a_notification_sends_no_token_to_a_changed_server(
    admin_client, world_a, ca_pem, ms_authority, oauth_client, smtp_server, listener, settings
):
    settings.PORTAL_BASE_URL = "https://portal.example.com"
    mailbox = builders.make_oauth_outgoing_mailbox(
        world_a.tenant,
        authority=ms_authority,
        oauth_client=oauth_client,
        smtp_server=smtp_server,
        trusted_certificate=ca_pem,
    )
    assert any("logged in" in m for m in messages_of(sign_in_again(admin_client, mailbox, ms_authority)))
    choose_notification_mailbox(tenant=world_a.tenant, mailbox=mailbox)
    new_host = listener("smtp")
    point_at(Mailbox.all_tenants.get(pk=mailbox.pk), new_host, "save")  # with its tokens, as stored
    assert send_notification(builders.queue(world_a).pk) == Outcome.WAITING
    assert new_host.connections == 0
    assert Mailbox.all_tenants.get(pk=mailbox.pk).state == Mailbox.State.NEEDS_SIGN_IN


# -- the client secret ---------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["oauth_client_id", "oauth_directory_id"])
def test_the_form_asks_for_the_client_secret_again_when_the_app_changes(field, admin_client, signed_in):
    label = {"oauth_client_id": "client ID", "oauth_directory_id": "tenant ID"}[field]
    response = admin_client.post(change_url(signed_in), change_form(signed_in, **{field: "another-app"}))
    assert form_errors(response)["new_client_secret"] == [
        f"You changed the app or server ({label}): type the client secret again."
    ]
    assert Mailbox.all_tenants.get(pk=signed_in.pk).oauth_token_cache  # nothing saved


def test_an_app_only_mailbox_needs_its_client_secret_again_for_a_new_server(
    admin_client, oauth_box, ms_authority, oauth_client, oauth_mail_user, listener
):
    ms_authority.set_app_mailbox(oauth_client.client_id, oauth_mail_user.login)
    mailbox = oauth_box(oauth_grant=Mailbox.OAuthGrant.APP_ONLY)
    assert check_connection(mailbox).ok  # a cached app token now exists
    new_host = listener("imap")
    response = admin_client.post(
        change_url(mailbox), change_form(mailbox, host="localhost", port=new_host.port)
    )
    assert form_errors(response)["new_client_secret"] == [
        "You changed the app or server (server, port): type the client secret again."
    ]
    before = len(secret_requests(ms_authority, oauth_client.client_secret))
    mailbox = point_at(mailbox, new_host, "save")
    assert check_connection(mailbox).kind == "secret_needs_retyping"
    assert new_host.connections == 0
    assert len(secret_requests(ms_authority, oauth_client.client_secret)) == before


def test_the_client_secret_is_sent_to_no_other_directory(
    oauth_box, ms_authority, oauth_client, oauth_mail_user
):
    ms_authority.set_app_mailbox(oauth_client.client_id, oauth_mail_user.login)
    mailbox = oauth_box(oauth_grant=Mailbox.OAuthGrant.APP_ONLY)
    other_directory = ms_authority.add_tenant()
    Mailbox.all_tenants.filter(pk=mailbox.pk).update(oauth_directory_id=other_directory)
    report = check_connection(Mailbox.all_tenants.get(pk=mailbox.pk))
    assert report.kind == "secret_needs_retyping"
    assert not [
        r for r in secret_requests(ms_authority, oauth_client.client_secret) if r.tenant == other_directory
    ]


def test_authorize_refuses_a_client_secret_of_another_app(admin_client, signed_in, oauth_client):
    Mailbox.all_tenants.filter(pk=signed_in.pk).update(oauth_client_id="another-app")
    response = admin_client.post(
        reverse("admin:mailboxes_mailbox_authorize", args=[signed_in.pk]), follow=True
    )
    assert any("type the client secret again" in message for message in messages_of(response))


# -- the upgrade ---------------------------------------------------------------------------------------


def test_the_upgrade_keeps_signed_in_mailboxes_signed_in(signed_in):
    Mailbox.all_tenants.update(password_bound_to="", client_secret_bound_to="", token_cache_bound_to="")
    importlib.import_module("mailboxes.migrations.0007_mailbox_secret_bindings").bind_stored_secrets(
        apps, None
    )
    report = check_connection(Mailbox.all_tenants.get(pk=signed_in.pk))
    assert report.ok, report.message
