"""Microsoft OAuth 2.0 at the edge: the only module that touches MSAL.

Every function takes the mailbox's serialized token cache and returns, next to the token, the cache
to store again *if it changed*. Microsoft rotates refresh tokens: a cache that is not saved after a
refresh holds a refresh token that no longer works, and the mailbox dies ~90 days later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import msal
import requests

from mailboxes.protocols import log_scrubbing, scrubbing
from mailboxes.protocols.errors import (
    NOT_SIGNED_IN_YET,
    SIGN_IN_ANSWER_MISMATCH,
    SIGN_IN_SERVICE_UNREACHABLE,
    OAuthFailure,
    SignInRequired,
)

IMAP_SCOPES = ["https://outlook.office.com/IMAP.AccessAsUser.All"]
SMTP_SCOPES = ["https://outlook.office.com/SMTP.Send"]
APP_ONLY_SCOPES = ["https://outlook.office365.com/.default"]

# Errors after which only a new interactive sign-in helps (refresh token expired, revoked, consent withdrawn).
_SIGN_IN_ERRORS = {"invalid_grant", "interaction_required", "consent_required", "login_required"}
_CLIENT_ERRORS = {"invalid_client", "unauthorized_client", "invalid_request", "invalid_scope"}


@dataclass(frozen=True)
class OAuthApp:
    client_id: str
    client_secret: str = field(repr=False)
    directory_id: str
    authority_host: str
    verify: bool | str = True  # a CA bundle path for a private authority (tests), else system CAs


@dataclass(frozen=True)
class TokenResult:
    access_token: str = field(repr=False)
    account: str  # the signed-in user's name (delegated) or "" (app-only)
    token_cache: str | None = field(default=None, repr=False)  # new serialized cache, or None if unchanged


class _HttpClient(requests.Session):
    """MSAL's HTTP client, with certificate trust and a timeout passed on every request.

    requests lets REQUESTS_CA_BUNDLE in the environment override a session-level `verify`, which is
    where MSAL would put it; per request, our choice wins.
    """

    def __init__(self, verify: bool | str, timeout: float = 20):
        super().__init__()
        self._verify, self._timeout = verify, timeout

    def request(self, method, url, **kwargs):
        kwargs["verify"] = self._verify
        kwargs.setdefault("timeout", self._timeout)
        response = super().request(method, url, **kwargs)
        _guard_issued_tokens(response)
        return response


def _guard_issued_tokens(response) -> None:
    """Tokens the authority just issued are secrets too, for whatever MSAL logs or raises next."""
    if "json" not in response.headers.get("Content-Type", ""):
        return
    try:
        body = response.json()
    except ValueError:
        return
    if isinstance(body, dict):
        log_scrubbing.also_guard(*(body.get(k) for k in ("access_token", "refresh_token", "id_token")))


def _secrets(app: OAuthApp, cache_blob: str, *extra) -> tuple[str, ...]:
    """What an authority's answer or MSAL's log could echo: the client secret, the tokens of the cache,
    and a sign-in's code and PKCE verifier."""
    try:
        cache = json.loads(cache_blob) if cache_blob else {}
    except ValueError:
        cache = {}
    sections = (
        [cache.get(kind) for kind in ("AccessToken", "RefreshToken", "IdToken")]
        if isinstance(cache, dict)
        else []
    )
    cached = [
        entry.get("secret")
        for section in sections
        if isinstance(section, dict)
        for entry in section.values()
        if isinstance(entry, dict)
    ]
    return tuple(s for s in (app.client_secret, *cached, *extra) if isinstance(s, str) and s)


def _application(
    app: OAuthApp, cache_blob: str
) -> tuple[msal.ConfidentialClientApplication, msal.SerializableTokenCache]:
    cache = msal.SerializableTokenCache()
    if cache_blob:
        cache.deserialize(cache_blob)
    authority = f"{app.authority_host.rstrip('/')}/{app.directory_id or 'organizations'}"
    try:
        client = msal.ConfidentialClientApplication(
            app.client_id,
            client_credential=app.client_secret,
            authority=authority,
            token_cache=cache,
            http_client=_HttpClient(app.verify),
            # Instance discovery asks Microsoft about the authority; a private authority has no entry there.
            instance_discovery=not _is_private_authority(app.authority_host),
        )
    except ValueError as exc:  # bad authority URL or tenant
        raise OAuthFailure(detail=scrubbing.bounded(exc, _secrets(app, cache_blob), limit=200)) from None
    except requests.RequestException:
        raise OAuthFailure(SIGN_IN_SERVICE_UNREACHABLE) from None
    return client, cache


def _is_private_authority(host: str) -> bool:
    return "login.microsoftonline.com" not in host and "login.microsoft.com" not in host


def _changed(cache: msal.SerializableTokenCache) -> str | None:
    return cache.serialize() if cache.has_state_changed else None


def _raise_for(result: dict | None, *, silent: bool, secrets: tuple[str, ...]):
    if not result:
        raise SignInRequired()
    error = result.get("error", "")
    # The authority may echo what it was sent (the client secret, a code): scrubbed before any cut.
    description = scrubbing.scrub(result.get("error_description") or error or "", secrets).split("\r\n")[0]
    if error in _SIGN_IN_ERRORS:
        raise SignInRequired(detail=description)
    if error in _CLIENT_ERRORS:
        raise OAuthFailure(detail=description)
    raise (SignInRequired if silent and not error else OAuthFailure)(detail=description)


def start_sign_in(app: OAuthApp, *, scopes: list[str], redirect_uri: str, login_hint: str = "") -> dict:
    """Begin the delegated sign-in. Returns MSAL's flow: keep it in the session; `auth_uri` is where to go."""
    with log_scrubbing.guarding(_secrets(app, "")):
        client, _ = _application(app, "")
        try:
            return client.initiate_auth_code_flow(
                scopes, redirect_uri=redirect_uri, login_hint=login_hint or None, prompt="select_account"
            )
        except requests.RequestException:
            raise OAuthFailure(SIGN_IN_SERVICE_UNREACHABLE) from None


def finish_sign_in(app: OAuthApp, *, cache_blob: str, flow: dict, response: dict) -> TokenResult:
    """Complete the sign-in with the authority's redirect parameters (checks state, nonce and PKCE)."""
    secrets = _secrets(app, cache_blob, response.get("code"), flow.get("code_verifier"))
    with log_scrubbing.guarding(secrets):
        client, cache = _application(app, cache_blob)
        try:
            result = client.acquire_token_by_auth_code_flow(flow, response)
        except ValueError:  # MSAL's state mismatch
            raise OAuthFailure(SIGN_IN_ANSWER_MISMATCH) from None
        except requests.RequestException:
            raise OAuthFailure(SIGN_IN_SERVICE_UNREACHABLE) from None
        if "access_token" not in result:
            _raise_for(result, silent=False, secrets=secrets)
        account = (result.get("id_token_claims") or {}).get("preferred_username", "")
        return TokenResult(result["access_token"], account, _changed(cache))


def delegated_token(
    app: OAuthApp, *, cache_blob: str, scopes: list[str], account: str, force_refresh: bool = False
) -> TokenResult:
    """A valid access token for the signed-in account, refreshed silently when needed (or when forced)."""
    secrets = _secrets(app, cache_blob)
    with log_scrubbing.guarding(secrets):
        client, cache = _application(app, cache_blob)
        accounts = client.get_accounts(username=account) if account else []
        accounts = accounts or client.get_accounts()
        if not accounts:
            raise SignInRequired(NOT_SIGNED_IN_YET)
        try:
            result = client.acquire_token_silent_with_error(
                scopes, account=accounts[0], force_refresh=force_refresh
            )
        except requests.RequestException:
            raise OAuthFailure(SIGN_IN_SERVICE_UNREACHABLE) from None
        if not result or "access_token" not in result:
            _raise_for(result, silent=True, secrets=secrets)
        return TokenResult(result["access_token"], accounts[0].get("username", ""), _changed(cache))


def app_only_token(app: OAuthApp, *, cache_blob: str, force_refresh: bool = False) -> TokenResult:
    """A token for the app itself (client credentials), for organisations that grant mailbox access to it.

    App tokens come with no refresh token: forcing a new one just means not reading the cache.
    """
    cache_blob = "" if force_refresh else cache_blob
    secrets = _secrets(app, cache_blob)
    with log_scrubbing.guarding(secrets):
        client, cache = _application(app, cache_blob)
        try:
            result = client.acquire_token_for_client(scopes=APP_ONLY_SCOPES)
        except requests.RequestException:
            raise OAuthFailure(SIGN_IN_SERVICE_UNREACHABLE) from None
        if "access_token" not in result:
            _raise_for(result, silent=False, secrets=secrets)
        return TokenResult(result["access_token"], "", _changed(cache))
