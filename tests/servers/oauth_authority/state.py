"""What the authority knows and remembers: app registrations, users, issued codes and tokens, request logs.

Kept apart from the protocol (:mod:`.grants`) so tests can steer the authority (expire, revoke, refuse,
mint tokens) without going through HTTP, and so every mutation happens under one lock.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

IMAP_SCOPE = "https://outlook.office.com/IMAP.AccessAsUser.All"
SMTP_SCOPE = "https://outlook.office.com/SMTP.Send"
APP_ONLY_SCOPE = "https://outlook.office365.com/.default"
# MSAL adds these itself ("reserved scopes"); they never become part of an access token's audience.
OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
# Tenant aliases Microsoft accepts in the authority path in place of a directory (tenant) id.
TENANT_ALIASES = frozenset({"common", "organizations"})

DEFAULT_ACCESS_TOKEN_LIFETIME = 3600
DEFAULT_REFRESH_TOKEN_LIFETIME = 90 * 24 * 3600
AUTH_CODE_LIFETIME = 600


@dataclass(frozen=True)
class OAuthClient:
    """An app registration. ``app_mailbox``: the one mailbox its app-only tokens may open."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...] | None = None  # None: any redirect URI is accepted
    app_mailbox: str | None = None


@dataclass(frozen=True)
class OAuthUser:
    username: str  # UPN / e-mail address; also what introspection reports as "username"
    tenant_id: str
    object_id: str  # "oid": becomes client_info.uid and thereby MSAL's home_account_id
    display_name: str


@dataclass
class _AccessToken:
    value: str
    client_id: str
    tenant_id: str
    scopes: tuple[str, ...]
    issued_at: int
    expires_at: int
    username: str | None  # None: app-only token (client credentials)
    revoked: bool = False


@dataclass
class _RefreshToken:
    value: str
    client_id: str
    tenant_id: str
    username: str
    scopes: tuple[str, ...]
    expires_at: int
    # "active" until redeemed (rotation), revoked or administratively expired.
    state: str = "active"


@dataclass
class _AuthCode:
    value: str
    client_id: str
    tenant_id: str
    username: str
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str | None
    code_challenge_method: str | None
    nonce: str | None
    expires_at: int
    redeemed: bool = False


@dataclass(frozen=True)
class AuthorizeRequest:
    """What the authorize endpoint saw (tests assert PKCE/nonce/scopes were sent)."""

    tenant: str
    params: dict[str, str]


@dataclass(frozen=True)
class TokenRequest:
    grant_type: str
    client_id: str | None
    tenant: str
    error: str | None  # None when tokens were issued
    params: dict[str, str] = field(repr=False)


class AuthorityState:
    """The authority's data plus the test controls that change it directly. Thread-safe (one RLock)."""

    def __init__(self, *, tenant_id: str | None = None):
        self.tenant_id = tenant_id or str(uuid.uuid4())  # the default directory (tenant) id
        self._lock = threading.RLock()
        self._tenants: set[str] = {self.tenant_id}
        self._clients: dict[str, OAuthClient] = {}
        self._users: dict[str, OAuthUser] = {}  # key: lower-cased username
        self._codes: dict[str, _AuthCode] = {}
        self._access_tokens: dict[str, _AccessToken] = {}
        self._refresh_tokens: dict[str, _RefreshToken] = {}
        self.authorize_requests: list[AuthorizeRequest] = []
        self.token_requests: list[TokenRequest] = []
        self.introspection_requests: list[str] = []  # the presented tokens
        self._signed_in: dict[str, str] = {}  # tenant id -> username the "browser" is signed in as
        self._refusal: tuple[str, str] | None = None
        self.access_token_lifetime = DEFAULT_ACCESS_TOKEN_LIFETIME
        self.refresh_token_lifetime = DEFAULT_REFRESH_TOKEN_LIFETIME

    # ------------------------------------------------------------------ registration

    def add_tenant(self, tenant_id: str | None = None) -> str:
        tenant_id = tenant_id or str(uuid.uuid4())
        with self._lock:
            self._tenants.add(tenant_id)
        return tenant_id

    def register_client(
        self,
        client_id: str | None = None,
        client_secret: str | None = None,
        *,
        redirect_uris: Iterable[str] | None = None,
        app_mailbox: str | None = None,
    ) -> OAuthClient:
        client = OAuthClient(
            client_id=client_id or str(uuid.uuid4()),
            client_secret=client_secret or secrets.token_urlsafe(24),
            redirect_uris=tuple(redirect_uris) if redirect_uris is not None else None,
            app_mailbox=app_mailbox,
        )
        with self._lock:
            self._clients[client.client_id] = client
        return client

    def set_app_mailbox(self, client_id: str, mailbox: str | None) -> None:
        """Grant an app (client credentials) access to one mailbox, like an Exchange service principal."""
        with self._lock:
            client = self._clients[client_id]
            self._clients[client_id] = OAuthClient(
                client.client_id, client.client_secret, client.redirect_uris, mailbox
            )

    def add_user(
        self, username: str, *, tenant_id: str | None = None, display_name: str | None = None
    ) -> OAuthUser:
        tenant_id = tenant_id or self.tenant_id
        user = OAuthUser(
            username=username,
            tenant_id=tenant_id,
            object_id=str(uuid.uuid4()),
            display_name=display_name or username.split("@")[0],
        )
        with self._lock:
            self._tenants.add(tenant_id)
            self._users[username.lower()] = user
            self._signed_in[tenant_id] = user.username
        return user

    def sign_in(self, username: str) -> None:
        """Choose who the (imaginary) browser is signed in as, for authorize requests of that user's tenant.

        Without it, an authorize request without ``login_hint`` signs in the user added last to the tenant.
        """
        with self._lock:
            user = self._users[username.lower()]
            self._signed_in[user.tenant_id] = user.username

    # ------------------------------------------------------------------ behaviour switches

    def reset_behaviour(self) -> None:
        """Undo refuse_authorization() / set_token_lifetime() (fixtures call this between tests)."""
        with self._lock:
            self._refusal = None
            self.access_token_lifetime = DEFAULT_ACCESS_TOKEN_LIFETIME
            self.refresh_token_lifetime = DEFAULT_REFRESH_TOKEN_LIFETIME

    def refuse_authorization(
        self,
        error: str = "access_denied",
        description: str = "AADSTS65004: User declined to consent to access the app.",
    ) -> None:
        """Make every authorize request redirect back with ``error``/``error_description`` (until reset)."""
        with self._lock:
            self._refusal = (error, description)

    def allow_authorization(self) -> None:
        with self._lock:
            self._refusal = None

    def set_token_lifetime(
        self, access_seconds: int | None = None, refresh_seconds: int | None = None
    ) -> None:
        """Lifetimes of tokens issued from now on. NB: MSAL treats an access token expiring within
        5 minutes as expired, so with access_seconds < 300 every acquire_token_silent() refreshes."""
        with self._lock:
            if access_seconds is not None:
                self.access_token_lifetime = access_seconds
            if refresh_seconds is not None:
                self.refresh_token_lifetime = refresh_seconds

    def expire_access_token(self, token: str) -> None:
        """Server-side expiry: introspection says inactive, while MSAL's cache still believes it valid."""
        with self._lock:
            at = self._access_tokens[token]
            at.expires_at = min(at.expires_at, int(time.time()) - 1)

    def expire_access_tokens(self, *, username: str | None = None, client_id: str | None = None) -> int:
        """Expire all matching access tokens (all of them without filters); returns how many."""
        now = int(time.time())
        with self._lock:
            matching = [
                at
                for at in self._access_tokens.values()
                if (username is None or (at.username or "").lower() == username.lower())
                and (client_id is None or at.client_id == client_id)
            ]
            for at in matching:
                at.expires_at = min(at.expires_at, now - 1)
        return len(matching)

    def expire_refresh_tokens(self, *, username: str | None = None, client_id: str | None = None) -> int:
        """The next refresh fails with invalid_grant AADSTS700082 (expired due to inactivity)."""
        return self._set_refresh_state("expired", username, client_id)

    def revoke_refresh_tokens(self, *, username: str | None = None, client_id: str | None = None) -> int:
        """The next refresh fails with invalid_grant AADSTS50173 (grant revoked, e.g. password reset)."""
        return self._set_refresh_state("revoked", username, client_id)

    def _set_refresh_state(self, state: str, username: str | None, client_id: str | None) -> int:
        count = 0
        with self._lock:
            for rt in self._refresh_tokens.values():
                if rt.state != "active":
                    continue
                if username is not None and rt.username.lower() != username.lower():
                    continue
                if client_id is not None and rt.client_id != client_id:
                    continue
                rt.state = state
                count += 1
        return count

    # ------------------------------------------------------------------ inspection

    def token_request_count(self, grant_type: str | None = None, *, client_id: str | None = None) -> int:
        with self._lock:
            return sum(
                1
                for r in self.token_requests
                if (grant_type is None or r.grant_type == grant_type)
                and (client_id is None or r.client_id == client_id)
            )

    def active_refresh_tokens(self, *, username: str | None = None) -> list[str]:
        with self._lock:
            return [
                rt.value
                for rt in self._refresh_tokens.values()
                if rt.state == "active"
                and rt.expires_at > time.time()
                and (username is None or rt.username.lower() == username.lower())
            ]

    # ------------------------------------------------------------------ issuing

    def issue_access_token(
        self,
        *,
        username: str | None = None,
        client_id: str | None = None,
        scopes: Iterable[str] = (IMAP_SCOPE,),
        lifetime: int | None = None,
    ) -> str:
        """Mint an access token directly, skipping MSAL (for IMAP/SMTP tests that only need a token).

        With ``username`` it is a delegated token of that user, otherwise an app-only token of
        ``client_id`` (whose app_mailbox then decides which mailbox it opens).
        """
        with self._lock:
            if client_id is None:
                client_id = self.register_client().client_id
            tenant = self._users[username.lower()].tenant_id if username else self.tenant_id
            return self._new_access_token(client_id, tenant, tuple(scopes), username, lifetime).value

    def _new_access_token(
        self, client_id: str, tenant: str, scopes: tuple[str, ...], username: str | None, lifetime: int | None
    ) -> _AccessToken:
        now = int(time.time())
        at = _AccessToken(
            value=secrets.token_urlsafe(32),
            client_id=client_id,
            tenant_id=tenant,
            scopes=scopes,
            issued_at=now,
            expires_at=now + (self.access_token_lifetime if lifetime is None else lifetime),
            username=username,
        )
        self._access_tokens[at.value] = at
        return at

    def _new_refresh_token(self, client_id: str, user: OAuthUser, scopes: tuple[str, ...]) -> _RefreshToken:
        rt = _RefreshToken(
            value=secrets.token_urlsafe(48),
            client_id=client_id,
            tenant_id=user.tenant_id,
            username=user.username,
            scopes=scopes,
            expires_at=int(time.time()) + self.refresh_token_lifetime,
        )
        self._refresh_tokens[rt.value] = rt
        return rt

    def _new_auth_code(
        self,
        client_id: str,
        user: OAuthUser,
        redirect_uri: str,
        params: dict[str, str],
        code_challenge_method: str | None,
    ) -> _AuthCode:
        """Remember an authorization code with what its redemption must match (redirect URI, PKCE, nonce)."""
        code = _AuthCode(
            value=secrets.token_urlsafe(32),
            client_id=client_id,
            tenant_id=user.tenant_id,
            username=user.username,
            redirect_uri=redirect_uri,
            scopes=tuple(params.get("scope", "").split()),
            code_challenge=params.get("code_challenge"),
            code_challenge_method=code_challenge_method,
            nonce=params.get("nonce"),
            expires_at=int(time.time()) + AUTH_CODE_LIFETIME,
        )
        self._codes[code.value] = code
        return code
