"""From a Mailbox to what the protocol edge needs: server settings with a password or a fresh token."""

from django.conf import settings
from django.db import transaction

from intake.tenancy import acting_for
from mailboxes.models import Mailbox
from mailboxes.protocols import oauth
from mailboxes.protocols.errors import AuthenticationRejected, SignInRequired
from mailboxes.protocols.settings import ServerSettings


def oauth_app(mailbox: Mailbox) -> oauth.OAuthApp:
    return oauth.OAuthApp(
        client_id=mailbox.oauth_client_id,
        client_secret=mailbox.oauth_client_secret,
        directory_id=mailbox.oauth_directory_id,
        authority_host=settings.MS_AUTHORITY_HOST,
        verify=settings.MS_AUTHORITY_CA_BUNDLE or True,
    )


def delegated_scopes(mailbox: Mailbox) -> list[str]:
    return oauth.IMAP_SCOPES if mailbox.purpose == Mailbox.Purpose.INCOMING else oauth.SMTP_SCOPES


def access_token(mailbox: Mailbox, *, force_refresh: bool = False) -> str:
    """A valid access token, refreshing it if needed, with the token cache saved whenever it changed.

    The mailbox row is locked meanwhile: with rotating refresh tokens, two workers refreshing at once
    would each spend the same refresh token and one of them would store a dead one.
    """
    with acting_for(mailbox.tenant_id), transaction.atomic():
        locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
        if locked.oauth_grant == Mailbox.OAuthGrant.APP_ONLY:
            result = oauth.app_only_token(
                oauth_app(locked), cache_blob=locked.oauth_token_cache, force_refresh=force_refresh
            )
        else:
            if not locked.oauth_token_cache:
                raise SignInRequired(detail="nobody has signed in for this mailbox yet")
            result = oauth.delegated_token(
                oauth_app(locked),
                cache_blob=locked.oauth_token_cache,
                scopes=delegated_scopes(locked),
                account=locked.oauth_account,
                force_refresh=force_refresh,
            )
        if result.token_cache is not None:
            Mailbox.objects.filter(pk=locked.pk).update(oauth_token_cache=result.token_cache)
            mailbox.oauth_token_cache = result.token_cache
    return result.access_token


def server_settings(
    mailbox: Mailbox, *, password: str | None = None, force_refresh: bool = False
) -> ServerSettings:
    """Connection settings for `mailbox`; `password` overrides the stored one (the form's unsaved value)."""
    common = {
        "host": mailbox.host,
        "port": mailbox.effective_port,
        "encryption": mailbox.encryption,
        "username": mailbox.effective_login,
        "trusted_ca_pem": mailbox.trusted_certificate,
        "timeout": settings.MAIL_TIMEOUT_SECONDS,
    }
    if mailbox.uses_oauth:
        return ServerSettings(**common, access_token=access_token(mailbox, force_refresh=force_refresh))
    return ServerSettings(**common, password=mailbox.password if password is None else password)


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
