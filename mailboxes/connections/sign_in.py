"""Delegated Microsoft sign-in for a mailbox: begin (where to send the administrator) and complete."""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from intake.tenancy import acting_for
from mailboxes.connections import state
from mailboxes.connections.checking import check_connection
from mailboxes.connections.credentials import delegated_scopes, oauth_app
from mailboxes.models import Mailbox
from mailboxes.protocols import oauth
from mailboxes.protocols.errors import MailConnectionError


@dataclass
class SignInOutcome:
    ok: bool
    message: str


def begin_sign_in(mailbox: Mailbox, *, redirect_uri: str) -> dict:
    """MSAL's flow for this mailbox (state, PKCE verifier, nonce); send the user to flow['auth_uri']."""
    return oauth.start_sign_in(
        oauth_app(mailbox),
        scopes=delegated_scopes(mailbox),
        redirect_uri=redirect_uri,
        login_hint=mailbox.effective_login,
    )


def complete_sign_in(mailbox: Mailbox, *, flow: dict, response: dict) -> SignInOutcome:
    """Exchange the authorization code, store the token cache, then prove the token on the mail server."""
    login = mailbox.effective_login
    try:
        with acting_for(mailbox.tenant_id), transaction.atomic():
            locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
            result = oauth.finish_sign_in(
                oauth_app(locked), cache_blob=locked.oauth_token_cache, flow=flow, response=response
            )
            login = result.account or login
            Mailbox.objects.filter(pk=locked.pk).update(
                oauth_token_cache=result.token_cache or locked.oauth_token_cache, oauth_account=result.account
            )
        mailbox.refresh_from_db()
    except MailConnectionError as error:
        state.record_failure(mailbox, error)
        return SignInOutcome(
            False,
            _("Failed to log in to user account %(login)s: %(reason)s")
            % {
                "login": login,
                "reason": error,
            },
        )
    report = check_connection(mailbox)
    if not report.ok:
        return SignInOutcome(
            False,
            _("Failed to log in to user account %(login)s: %(reason)s")
            % {
                "login": login,
                "reason": report.message,
            },
        )
    return SignInOutcome(True, _("User %(login)s logged in.") % {"login": login})
