"""Delegated Microsoft sign-in for a mailbox: begin (where to send the administrator) and complete.

A sign-in is made for the settings the mailbox had when it began: if its server or app changed before
the administrator came back, the tokens are not stored (they would go to a server nobody signed in for).
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intake import reasons
from intake.tenancy import acting_for
from mailboxes.connections import state
from mailboxes.connections.checking import check_connection
from mailboxes.connections.credentials import delegated_scopes, oauth_app
from mailboxes.models import Mailbox
from mailboxes.protocols import oauth
from mailboxes.protocols.errors import MailConnectionError, SignInRequired

# Kept in the flow (the session) next to MSAL's own keys: the tokens' binding when the sign-in began.
FLOW_BINDING = "intake_token_binding"
CHANGED_DURING_SIGN_IN = reasons.define(
    "mail.changed_during_sign_in",
    gettext_lazy(
        "The mailbox's server or app settings changed during the sign-in, so it was not kept: "
        "authorize again."
    ),
)


@dataclass
class SignInOutcome:
    ok: bool
    message: str


def begin_sign_in(mailbox: Mailbox, *, redirect_uri: str) -> dict:
    """MSAL's flow for this mailbox (state, PKCE verifier, nonce); send the user to flow['auth_uri']."""
    flow = oauth.start_sign_in(
        oauth_app(mailbox),
        scopes=delegated_scopes(mailbox),
        redirect_uri=redirect_uri,
        login_hint=mailbox.effective_login,
    )
    return flow | {FLOW_BINDING: mailbox.secret_bindings()["oauth_token_cache"]}


def complete_sign_in(mailbox: Mailbox, *, flow: dict, response: dict) -> SignInOutcome:
    """Exchange the authorization code, store the token cache, then prove the token on the mail server."""
    login = mailbox.effective_login
    try:
        with acting_for(mailbox.tenant_id), transaction.atomic():
            locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
            binding = locked.secret_bindings()["oauth_token_cache"]
            if flow.get(FLOW_BINDING) != binding:
                raise SignInRequired(CHANGED_DURING_SIGN_IN)
            kept = locked.oauth_token_cache if locked.stored_secret_fits("oauth_token_cache") else ""
            msal_flow = {key: value for key, value in flow.items() if key != FLOW_BINDING}
            result = oauth.finish_sign_in(
                oauth_app(locked), cache_blob=kept, flow=msal_flow, response=response
            )
            login = result.account or login
            Mailbox.objects.filter(pk=locked.pk).update(
                oauth_token_cache=result.token_cache or kept,
                oauth_account=result.account,
                token_cache_bound_to=binding,
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
