"""Microsoft OAuth 2.0 end to end: the admin's Authorize → local authority → callback → IMAP XOAUTH2 in
Dovecot, token refresh with rotation, expiry, and the app-only grant. Nothing is mocked."""

import pytest
from django.urls import reverse

from intake.reasons import in_english
from intake.tenancy import tenant_context
from mailboxes.connections.checking import check_connection
from mailboxes.connections.credentials import access_token
from mailboxes.connections.outgoing import send_test_message
from mailboxes.models import Mailbox


def sign_in_through_the_admin(client, mailbox, authority):
    response = client.post(reverse("admin:mailboxes_mailbox_authorize", args=[mailbox.pk]))
    assert response.status_code == 302
    assert response.url.startswith(authority.base_url)  # off to the sign-in and consent page
    answer = authority.follow_authorize(response.url)
    return client.get(reverse("mailboxes:oauth-callback"), answer, follow=True)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_delegated_sign_in_stores_tokens_and_imap_accepts_them(
    oauth_box, client_for, world_a, ms_authority, dovecot, oauth_mail_user
):
    mailbox = oauth_box()
    response = sign_in_through_the_admin(client_for(world_a.admin), mailbox, ms_authority)
    assert f"User {oauth_mail_user.login} logged in." in messages_of(response)
    mailbox.refresh_from_db()
    assert mailbox.state == Mailbox.State.READY
    assert mailbox.oauth_account == oauth_mail_user.login
    assert "INBOX" in {f["name"] for f in mailbox.folders}
    assert dovecot.logins(oauth_mail_user.login)[-1].method == "XOAUTH2"


def test_refused_consent_reports_failed_log_in(oauth_box, client_for, world_a, ms_authority, oauth_mail_user):
    mailbox = oauth_box()
    ms_authority.refuse_authorization()
    response = sign_in_through_the_admin(client_for(world_a.admin), mailbox, ms_authority)
    [message] = messages_of(response)
    assert message.startswith(f"Failed to log in to user account {oauth_mail_user.login}")
    mailbox.refresh_from_db()
    assert mailbox.state != Mailbox.State.READY


def test_a_callback_with_a_foreign_state_is_refused(oauth_box, client_for, world_a):
    response = client_for(world_a.admin).get(
        reverse("mailboxes:oauth-callback"), {"state": "forged", "code": "x"}, follow=True
    )
    assert "does not match a sign-in started here" in messages_of(response)[0]


def test_rotated_refresh_tokens_are_persisted_across_many_refreshes(
    oauth_box, client_for, world_a, ms_authority, oauth_mail_user
):
    ms_authority.set_token_lifetime(access_seconds=120)  # MSAL refreshes tokens this close to expiry
    mailbox = oauth_box()
    sign_in_through_the_admin(client_for(world_a.admin), mailbox, ms_authority)
    before = ms_authority.token_request_count("refresh_token")
    for _ in range(3):
        fresh = Mailbox.all_tenants.get(pk=mailbox.pk)  # as a new worker process would load it
        report = check_connection(fresh)
        assert report.ok, report.message  # an unsaved rotation would fail here: used tokens are refused
    assert ms_authority.token_request_count("refresh_token") == before + 3
    assert len(ms_authority.active_refresh_tokens(username=oauth_mail_user.login)) == 1


def test_an_expired_refresh_token_moves_the_mailbox_to_needs_sign_in(
    oauth_box, client_for, world_a, ms_authority, oauth_mail_user
):
    mailbox = oauth_box()
    sign_in_through_the_admin(client_for(world_a.admin), mailbox, ms_authority)
    ms_authority.expire_access_tokens(username=oauth_mail_user.login)
    ms_authority.expire_refresh_tokens(username=oauth_mail_user.login)
    report = check_connection(Mailbox.all_tenants.get(pk=mailbox.pk))
    assert report.kind == "sign_in_required"
    mailbox.refresh_from_db()
    assert mailbox.state == Mailbox.State.NEEDS_SIGN_IN
    assert "sign-in" in in_english(mailbox.last_error)


def test_a_mailbox_nobody_signed_in_for_needs_sign_in(oauth_box):
    mailbox = oauth_box()
    assert check_connection(mailbox).kind == "sign_in_required"


def test_a_token_revoked_on_the_server_is_replaced_and_the_connection_retried(
    oauth_box, client_for, world_a, ms_authority, oauth_mail_user
):
    mailbox = oauth_box()
    sign_in_through_the_admin(client_for(world_a.admin), mailbox, ms_authority)
    ms_authority.expire_access_tokens(username=oauth_mail_user.login)  # MSAL's cache still trusts it
    report = check_connection(Mailbox.all_tenants.get(pk=mailbox.pk))
    assert report.ok, report.message


def test_dovecot_rejects_a_token_the_authority_expired(oauth_box, client_for, world_a, ms_authority, dovecot):
    from imapclient import IMAPClient
    from imapclient.exceptions import LoginError

    mailbox = oauth_box()
    sign_in_through_the_admin(client_for(world_a.admin), mailbox, ms_authority)
    token = access_token(Mailbox.all_tenants.get(pk=mailbox.pk))
    ms_authority.expire_access_token(token)
    with (
        IMAPClient("127.0.0.1", port=dovecot.imaps_port, ssl_context=dovecot.client_context()) as client,
        pytest.raises(LoginError),
    ):
        client.oauth2_login(mailbox.email_address, token)


def test_app_only_grant_reads_the_mailbox_without_a_user_sign_in(
    oauth_box, ms_authority, oauth_client, oauth_mail_user, dovecot
):
    ms_authority.set_app_mailbox(oauth_client.client_id, oauth_mail_user.login)
    mailbox = oauth_box(oauth_grant=Mailbox.OAuthGrant.APP_ONLY)
    report = check_connection(mailbox)
    assert report.ok, report.message
    assert dovecot.logins(oauth_mail_user.login)[-1].method == "XOAUTH2"


def test_a_wrong_client_secret_is_reported_as_an_oauth_failure(oauth_box, ms_authority, oauth_client):
    ms_authority.set_app_mailbox(oauth_client.client_id, "nobody@example.test")
    mailbox = oauth_box(oauth_grant=Mailbox.OAuthGrant.APP_ONLY, oauth_client_secret="wrong-secret")
    report = check_connection(mailbox)
    assert report.kind == "oauth_failure"
    assert "wrong-secret" not in report.message


def test_smtp_sends_with_xoauth2_after_a_delegated_sign_in(
    make_mailbox, ms_authority, oauth_client, oauth_mail_user, smtp_server, client_for, world_a
):
    smtp_server.clear()
    mailbox = make_mailbox(
        purpose=Mailbox.Purpose.OUTGOING,
        port=smtp_server.starttls_port,
        encryption=Mailbox.Encryption.STARTTLS,
        auth_method=Mailbox.AuthMethod.MICROSOFT_OAUTH,
        email_address=oauth_mail_user.login,
        oauth_client_id=oauth_client.client_id,
        oauth_client_secret=oauth_client.client_secret,
        oauth_directory_id=ms_authority.tenant_id,
    )
    sign_in_through_the_admin(client_for(world_a.admin), mailbox, ms_authority)
    with tenant_context(world_a.tenant):
        send_test_message(Mailbox.objects.get(pk=mailbox.pk), to="admin@alpha.example")
    [received] = smtp_server.wait_for_messages(1)
    assert received.auth_mechanism == "XOAUTH2"
    assert received.login == oauth_mail_user.login
