"""From a Mailbox to what the protocol edge needs: server settings with a password or a fresh token.

A stored secret is handed out only for the connection it was entered for (Mailbox.stored_secret_fits):
whoever changed the server, port, encryption, login or app since — the form, another administrator, a
script — the stored password, client secret or tokens are not sent until someone types or signs in again.
"""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from intake import reasons
from intake.tenancy import acting_for
from mailboxes.models import Mailbox
from mailboxes.protocols import oauth
from mailboxes.protocols.errors import (
    NOT_SIGNED_IN_YET,
    AuthenticationRejected,
    MailConnectionError,
    SignInRequired,
)
from mailboxes.protocols.settings import ServerSettings


class SecretNeedsRetyping(SignInRequired):
    """A stored secret was entered for other connection settings than the mailbox has now, so it was not
    sent. A kind of SignInRequired: the mailbox needs an administrator, not retries."""

    kind = "secret_needs_retyping"
    default_message = _(
        "The connection settings changed after this secret was stored, so it was not sent: type it again."
    )


RETYPE_MESSAGES = {
    "password": reasons.define(
        "mail.password_needs_retyping",
        _(
            "The server settings changed after the password was stored, so it was not sent: type the "
            "password again in the mailbox's settings."
        ),
    ),
    "oauth_client_secret": reasons.define(
        "mail.client_secret_needs_retyping",
        _(
            "The app or server settings changed after the client secret was stored, so it was not sent: "
            "type the client secret again in the mailbox's settings."
        ),
    ),
}
INCOMING_NEEDS_AUTHENTICATION = _(
    "An incoming mailbox needs authentication: choose login and password or Microsoft OAuth 2.0."
)
# Stored as a code when it is why a check failed; the form shows the text itself.
INCOMING_NEEDS_AUTHENTICATION_REASON = reasons.define(
    "mail.incoming_needs_authentication", INCOMING_NEEDS_AUTHENTICATION
)
SETTINGS_CHANGED = reasons.define(
    "mail.settings_changed",
    _("The mailbox's settings changed while it was being used; it will be tried again."),
)
TOKENS_DISCARDED = reasons.define(
    "mail.tokens_discarded",
    _(
        "The server or app settings changed after the Microsoft sign-in, so its tokens were not used: "
        "authorize the mailbox again."
    ),
)


def stored_secret(mailbox: Mailbox, secret: str) -> str:
    """The stored `secret` ("password" or "oauth_client_secret"), if it was entered for these settings."""
    value = getattr(mailbox, secret)
    if value and not mailbox.stored_secret_fits(secret):
        raise SecretNeedsRetyping(RETYPE_MESSAGES[secret])
    return value


def oauth_app(mailbox: Mailbox) -> oauth.OAuthApp:
    return oauth.OAuthApp(
        client_id=mailbox.oauth_client_id,
        client_secret=stored_secret(mailbox, "oauth_client_secret"),
        directory_id=mailbox.oauth_directory_id,
        authority_host=settings.MS_AUTHORITY_HOST,
        verify=settings.MS_AUTHORITY_CA_BUNDLE or True,
    )


def delegated_scopes(mailbox: Mailbox) -> list[str]:
    return oauth.IMAP_SCOPES if mailbox.purpose == Mailbox.Purpose.INCOMING else oauth.SMTP_SCOPES


def access_token(mailbox: Mailbox, *, force_refresh: bool = False) -> str:
    """A valid access token, refreshing it if needed, with the token cache saved whenever it changed.

    The mailbox row is locked meanwhile: with rotating refresh tokens, two workers refreshing at once
    would each spend the same refresh token and one of them would store a dead one. Tokens of a sign-in
    made for other settings than the row has now are discarded: the mailbox needs signing in again.
    """
    with acting_for(mailbox.tenant_id), transaction.atomic():
        locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
        if mailbox.secret_bindings() != locked.secret_bindings():
            # The token would go where `mailbox` points, not where the row (and its tokens) now point: an
            # unsaved change, or a copy loaded before an administrator's change. The next attempt reloads.
            raise MailConnectionError(SETTINGS_CHANGED)
        fits = locked.stored_secret_fits("oauth_token_cache")
        binding = locked.secret_bindings()["oauth_token_cache"]
        if locked.oauth_grant == Mailbox.OAuthGrant.APP_ONLY:
            result = oauth.app_only_token(
                oauth_app(locked),
                cache_blob=locked.oauth_token_cache if fits else "",
                force_refresh=force_refresh,
            )
        elif locked.oauth_token_cache and not fits:
            Mailbox.objects.filter(pk=locked.pk).update(
                oauth_token_cache="", oauth_account="", token_cache_bound_to=""
            )
            result = None
        else:
            result = _delegated_token(locked, force_refresh=force_refresh)
        if result is not None and result.token_cache is not None:
            Mailbox.objects.filter(pk=locked.pk).update(
                oauth_token_cache=result.token_cache, token_cache_bound_to=binding
            )
            mailbox.secret_written("oauth_token_cache", result.token_cache, binding)
    if result is None:  # outside the transaction, so that discarding the tokens is kept
        mailbox.secret_written("oauth_token_cache", "", "")
        mailbox.oauth_account = ""
        raise SignInRequired(TOKENS_DISCARDED)
    return result.access_token


def _delegated_token(locked: Mailbox, *, force_refresh: bool) -> oauth.TokenResult:
    if not locked.oauth_token_cache:
        raise SignInRequired(NOT_SIGNED_IN_YET)
    return oauth.delegated_token(
        oauth_app(locked),
        cache_blob=locked.oauth_token_cache,
        scopes=delegated_scopes(locked),
        account=locked.oauth_account,
        force_refresh=force_refresh,
    )


def server_settings(
    mailbox: Mailbox, *, password: str | None = None, force_refresh: bool = False
) -> ServerSettings:
    """Connection settings for `mailbox`; `password` is one just typed (the form's unsaved value), used
    instead of the stored one, which is used only if it was entered for these settings."""
    common = {
        "host": mailbox.host,
        "port": mailbox.effective_port,
        "encryption": mailbox.encryption,
        "username": mailbox.effective_login,
        "trusted_ca_pem": mailbox.trusted_certificate,
        "timeout": settings.MAIL_TIMEOUT_SECONDS,
    }
    if not mailbox.authenticates:
        # No stored password or token goes anywhere, whatever the row still holds.
        if mailbox.purpose == Mailbox.Purpose.INCOMING:
            raise MailConnectionError(INCOMING_NEEDS_AUTHENTICATION_REASON)
        return ServerSettings(**common, authenticate=False)
    if mailbox.uses_oauth:
        return ServerSettings(**common, access_token=access_token(mailbox, force_refresh=force_refresh))
    if password is None:
        password = stored_secret(mailbox, "password")
    return ServerSettings(**common, password=password)


def with_server(mailbox: Mailbox, operation, *, password: str | None = None):
    """Run `operation(server_settings)`; if the server rejects a cached OAuth token, retry with a new one.

    A token can be revoked or expired on the server while the cache still believes it valid.
    """
    try:
        return operation(server_settings(mailbox, password=password))
    except AuthenticationRejected:
        if not mailbox.uses_oauth:
            raise
    return operation(server_settings(mailbox, force_refresh=True))
