"""A local imitation of the Microsoft identity platform (v2.0 endpoints) for tests.

It is faithful where the portal and its libraries look: the real ``msal.ConfidentialClientApplication``
runs against it unmodified (OpenID discovery, authorization-code flow with PKCE + nonce, client_info,
rotating refresh tokens, client credentials), and Dovecot's ``oauth2`` passdb validates the issued access
tokens through an RFC 7662 introspection endpoint. Everything else (consent, signing keys, conditional
access, ...) is deliberately left out.

Served over HTTPS (certificate from :mod:`tests.servers.certs`) on 127.0.0.1 with an ephemeral port::

    authority URL   https://127.0.0.1:<port>/<tenant-id>
    discovery       GET  /<tenant-id>/v2.0/.well-known/openid-configuration   (what MSAL requests)
    authorize       GET  /<tenant-id>/oauth2/v2.0/authorize
    token           POST /<tenant-id>/oauth2/v2.0/token
    introspection   POST /introspect   (form field ``token``; a Bearer Authorization header also works)

MSAL must be built with ``instance_discovery=False`` (see :meth:`OAuthAuthority.msal_kwargs`), otherwise it
asks login.microsoftonline.com whether the authority host is known.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import secrets
import ssl
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit, urlunsplit

import requests

from tests.servers.certs import TlsMaterial
from tests.servers.ports import LOOPBACK

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


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_b64url(obj: dict) -> str:
    return _b64url(json.dumps(obj, separators=(",", ":")).encode())


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


class OAuthError(Exception):
    """An OAuth error response (RFC 6749 §5.2) in Microsoft's shape."""

    def __init__(self, error: str, description: str, *, status: int = 400, code: int | None = None):
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        self.code = code

    def body(self) -> dict:
        return {
            "error": self.error,
            "error_description": self.description,
            "error_codes": [self.code] if self.code else [],
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
            "trace_id": str(uuid.uuid4()),
            "correlation_id": str(uuid.uuid4()),
        }


class OAuthAuthority:
    """The authority plus its test controls. Thread-safe; start()/stop() the HTTPS server."""

    def __init__(self, tls: TlsMaterial, *, host: str = LOOPBACK, tenant_id: str | None = None):
        self.tls = tls
        self.host = host
        self.tenant_id = tenant_id or str(uuid.uuid4())  # the default directory (tenant) id
        self._lock = threading.RLock()
        self._httpd: _TlsHttpServer | None = None
        self._thread: threading.Thread | None = None
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

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> OAuthAuthority:
        httpd = _TlsHttpServer((self.host, 0), _Handler, self.tls.server_context())
        httpd.authority = self
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, name="oauth-authority", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> OAuthAuthority:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "authority not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"https://{self.host}:{self.port}"

    def authority_url(self, tenant_id: str | None = None) -> str:
        """The MSAL ``authority`` argument, e.g. https://127.0.0.1:41234/<tenant-id>."""
        return f"{self.base_url}/{tenant_id or self.tenant_id}"

    def issuer(self, tenant_id: str | None = None) -> str:
        return f"{self.authority_url(tenant_id)}/v2.0"

    def token_endpoint(self, tenant_id: str | None = None) -> str:
        return f"{self.authority_url(tenant_id)}/oauth2/v2.0/token"

    def authorize_endpoint(self, tenant_id: str | None = None) -> str:
        return f"{self.authority_url(tenant_id)}/oauth2/v2.0/authorize"

    @property
    def introspection_url(self) -> str:
        return f"{self.base_url}/introspect"

    def msal_kwargs(self, tenant_id: str | None = None) -> dict:
        """Keyword arguments that make msal.ConfidentialClientApplication talk to this authority.

        ``instance_discovery=False`` stops MSAL from asking login.microsoftonline.com about the host
        (it then fetches <authority>/v2.0/.well-known/openid-configuration directly); ``verify`` is
        set on its requests session so the throw-away CA is trusted. Caveat: requests ignores a
        Session-level verify when REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE is set in the environment
        (psf/requests#3829); the ``requests_trust_test_ca`` fixture points those at ca.pem instead.
        """
        return {
            "authority": self.authority_url(tenant_id),
            "instance_discovery": False,
            "verify": str(self.tls.ca_cert),
        }

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

    def introspect(self, token: str) -> dict:
        """RFC 7662 answer for ``token`` (also served at /introspect; the SMTP server calls it directly)."""
        now = int(time.time())
        with self._lock:
            self.introspection_requests.append(token)
            at = self._access_tokens.get(token)
            if at is None:
                # Unknown token: no subject to report. An empty username makes Dovecot's passdb answer
                # "user unknown" (a plain authentication failure), not an internal error.
                return {"active": False, "username": ""}
            if at.username is None:
                client = self._clients.get(at.client_id)
                username = (client.app_mailbox if client else None) or ""
            else:
                username = self._users[at.username.lower()].username
            active = not at.revoked and at.expires_at > now
            return {
                "active": active,
                "username": username,
                "email": username,
                "client_id": at.client_id,
                "scope": " ".join(at.scopes),
                "token_type": "Bearer",
                "iat": at.issued_at,
                "exp": at.expires_at,
                "iss": self.issuer(at.tenant_id),
                "tid": at.tenant_id,
                "app_only": at.username is None,
            }

    def validate_bearer(self, token: str, username: str) -> bool:
        """True when ``token`` is active and opens ``username``'s mailbox (the check Dovecot does)."""
        info = self.introspect(token)
        return bool(info["active"]) and info["username"].lower() == username.lower() and bool(username)

    def follow_authorize(self, auth_uri: str, **request_kwargs) -> dict[str, str]:
        """Play the browser: GET an authorize URL and return the query of the redirect it answers with.

        The result is what the portal's redirect (callback) view receives (as GET query for
        response_mode=query, as POST form for response_mode=form_post) and what MSAL's
        acquire_token_by_auth_code_flow() expects as ``auth_response``.
        """
        response = requests.get(
            auth_uri, allow_redirects=False, verify=str(self.tls.ca_cert), timeout=10, **request_kwargs
        )
        if response.status_code == HTTPStatus.FOUND:  # response_mode=query (MSAL's default)
            query = urlsplit(response.headers["Location"]).query
            return {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        if response.status_code == HTTPStatus.OK and "<form" in response.text:  # response_mode=form_post
            parser = _HiddenInputs()
            parser.feed(response.text)
            return parser.fields
        raise AssertionError(f"authorize did not redirect: {response.status_code} {response.text}")

    # ------------------------------------------------------------------ protocol internals

    def _check_tenant(self, tenant: str) -> None:
        if tenant not in self._tenants and tenant not in TENANT_ALIASES:
            raise OAuthError(
                "invalid_tenant",
                f"AADSTS90002: Tenant '{tenant}' not found. "
                "Check to make sure you have the correct tenant ID.",
                code=90002,
            )

    def _openid_configuration(self, tenant: str) -> dict:
        self._check_tenant(tenant)
        issuer_tenant = "{tenantid}" if tenant in TENANT_ALIASES else tenant
        base = self.authority_url(tenant)
        return {
            "issuer": f"{self.base_url}/{issuer_tenant}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "introspection_endpoint": self.introspection_url,
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["HS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256", "plain"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "127.0.0.1",
        }

    def _authorize(self, tenant: str, params: dict[str, str]) -> tuple[int, dict[str, str] | str]:
        """Returns (302, redirect query) or (400, error text shown to the user, like Microsoft's page)."""
        with self._lock:
            self.authorize_requests.append(AuthorizeRequest(tenant, dict(params)))
            try:
                self._check_tenant(tenant)
            except OAuthError as exc:
                return 400, exc.description
            client = self._clients.get(params.get("client_id", ""))
            if client is None:
                return (
                    400,
                    f"AADSTS700016: Application with identifier '{params.get('client_id')}' was not found",
                )
            redirect_uri = params.get("redirect_uri", "")
            if not redirect_uri or (
                client.redirect_uris is not None and redirect_uri not in client.redirect_uris
            ):
                return (
                    400,
                    f"AADSTS50011: The redirect URI '{redirect_uri}' does not match the configured ones",
                )
            query: dict[str, str] = {}
            if "state" in params:
                query["state"] = params["state"]

            def fail(error: str, description: str) -> tuple[int, dict[str, str]]:
                return 302, {"error": error, "error_description": description, **query}

            if self._refusal is not None:
                return fail(*self._refusal)
            if params.get("response_type") != "code":
                return fail("unsupported_response_type", "AADSTS700054: response_type must be 'code'")
            if params.get("response_mode", "query") not in ("query", "form_post"):
                return fail("invalid_request", "AADSTS900144: response_mode must be 'query' or 'form_post'")
            user = self._pick_user(tenant, params.get("login_hint"))
            if user is None:
                return fail("login_required", "AADSTS50058: no user is signed in for this tenant")
            method = params.get("code_challenge_method") or (
                "plain" if params.get("code_challenge") else None
            )
            if method not in (None, "S256", "plain"):
                return fail("invalid_request", "AADSTS501491: invalid code_challenge_method")
            code = _AuthCode(
                value=secrets.token_urlsafe(32),
                client_id=client.client_id,
                tenant_id=user.tenant_id,
                username=user.username,
                redirect_uri=redirect_uri,
                scopes=tuple(params.get("scope", "").split()),
                code_challenge=params.get("code_challenge"),
                code_challenge_method=method,
                nonce=params.get("nonce"),
                expires_at=int(time.time()) + AUTH_CODE_LIFETIME,
            )
            self._codes[code.value] = code
            query = {"code": code.value, **query, "session_state": str(uuid.uuid4())}
            if params.get("client_info") == "1":
                query["client_info"] = self._client_info(user)
            return 302, query

    def _pick_user(self, tenant: str, login_hint: str | None) -> OAuthUser | None:
        if login_hint:
            user = self._users.get(login_hint.lower())
        else:
            username = self._signed_in.get(tenant)
            if username is None and tenant in TENANT_ALIASES and self._signed_in:
                username = self._signed_in.get(self.tenant_id) or next(iter(self._signed_in.values()))
            user = self._users.get(username.lower()) if username else None
        if user is None or (tenant not in TENANT_ALIASES and user.tenant_id != tenant):
            return None
        return user

    @staticmethod
    def _client_info(user: OAuthUser) -> str:
        return _json_b64url({"uid": user.object_id, "utid": user.tenant_id})

    def _authenticate_client(self, params: dict[str, str], authorization: str | None) -> OAuthClient:
        client_id, secret = params.get("client_id"), params.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            decoded = base64.b64decode(authorization[6:]).decode()
            basic_id, _, basic_secret = decoded.partition(":")
            client_id, secret = unquote_plus(basic_id), unquote_plus(basic_secret)
        client = self._clients.get(client_id or "")
        if client is None:
            raise OAuthError(
                "unauthorized_client",
                f"AADSTS700016: Application with identifier '{client_id}' was not found in the directory.",
                code=700016,
            )
        if not secret or not hmac.compare_digest(secret, client.client_secret):
            raise OAuthError(
                "invalid_client",
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request "
                "is the client secret value, not the client secret ID.",
                status=401,
                code=7000215,
            )
        return client

    def _token(self, tenant: str, params: dict[str, str], authorization: str | None) -> dict:
        grant_type = params.get("grant_type", "")
        with self._lock:
            record = {"grant_type": grant_type, "client_id": params.get("client_id"), "tenant": tenant}
            try:
                self._check_tenant(tenant)
                client = self._authenticate_client(params, authorization)
                record["client_id"] = client.client_id
                if grant_type == "authorization_code":
                    result = self._grant_authorization_code(client, params)
                elif grant_type == "refresh_token":
                    result = self._grant_refresh_token(client, params)
                elif grant_type == "client_credentials":
                    result = self._grant_client_credentials(client, tenant, params)
                else:
                    raise OAuthError(
                        "unsupported_grant_type", f"AADSTS70003: grant type '{grant_type}' is not supported"
                    )
            except OAuthError as exc:
                self.token_requests.append(TokenRequest(**record, error=exc.error, params=dict(params)))
                raise
            self.token_requests.append(TokenRequest(**record, error=None, params=dict(params)))
            return result

    def _grant_authorization_code(self, client: OAuthClient, params: dict[str, str]) -> dict:
        code = self._codes.get(params.get("code", ""))
        now = int(time.time())
        if code is None or code.client_id != client.client_id:
            raise OAuthError(
                "invalid_grant", "AADSTS70000: The provided authorization code is invalid.", code=70000
            )
        if code.redeemed:
            raise OAuthError(
                "invalid_grant", "AADSTS54005: OAuth2 Authorization code was already redeemed.", code=54005
            )
        if code.expires_at <= now:
            raise OAuthError(
                "invalid_grant", "AADSTS70008: The provided authorization code has expired.", code=70008
            )
        if params.get("redirect_uri") != code.redirect_uri:
            raise OAuthError(
                "invalid_grant",
                "AADSTS500117: The reply uri specified in the request does not match the reply uri "
                "of the authorization request.",
                code=500117,
            )
        if code.code_challenge is not None:
            verifier = params.get("code_verifier")
            if not verifier:
                raise OAuthError("invalid_grant", "AADSTS501481: The Code_Verifier is missing.", code=501481)
            if code.code_challenge_method == "S256":
                computed = _b64url(hashlib.sha256(verifier.encode("ascii")).digest())
            else:
                computed = verifier
            if not hmac.compare_digest(computed, code.code_challenge):
                raise OAuthError(
                    "invalid_grant",
                    "AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the "
                    "authorization request.",
                    code=501481,
                )
        code.redeemed = True
        user = self._users[code.username.lower()]
        scopes = tuple(params["scope"].split()) if params.get("scope") else code.scopes
        return self._user_token_response(client, user, scopes, params, nonce=code.nonce)

    def _grant_refresh_token(self, client: OAuthClient, params: dict[str, str]) -> dict:
        rt = self._refresh_tokens.get(params.get("refresh_token", ""))
        if rt is None or rt.client_id != client.client_id:
            raise OAuthError(
                "invalid_grant",
                "AADSTS9002313: Invalid request. Malformed or invalid refresh token.",
                code=9002313,
            )
        if rt.state == "redeemed":
            raise OAuthError(
                "invalid_grant",
                "AADSTS70000: The provided refresh token has already been redeemed "
                "(refresh tokens rotate on every use).",
                code=70000,
            )
        if rt.state == "revoked":
            raise OAuthError(
                "invalid_grant",
                "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is "
                "needed. The user might have changed or reset their password.",
                code=50173,
            )
        if rt.state == "expired" or rt.expires_at <= time.time():
            raise OAuthError(
                "invalid_grant",
                "AADSTS700082: The refresh token has expired due to inactivity.",
                code=700082,
            )
        # Rotation: the presented refresh token is spent; a new one comes with the response.
        rt.state = "redeemed"
        user = self._users[rt.username.lower()]
        scopes = tuple(params["scope"].split()) if params.get("scope") else rt.scopes
        return self._user_token_response(client, user, scopes, params, nonce=None)

    def _grant_client_credentials(self, client: OAuthClient, tenant: str, params: dict[str, str]) -> dict:
        if tenant in TENANT_ALIASES:
            raise OAuthError(
                "invalid_request",
                "AADSTS700005: client credentials need a tenant-specific authority, not /common.",
                code=700005,
            )
        scopes = tuple(params.get("scope", "").split())
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            raise OAuthError(
                "invalid_scope",
                f"AADSTS1002012: The provided value for scope {' '.join(scopes)} is not valid. "
                "Client credential flows must have a scope value with /.default suffixed "
                "to the resource identifier.",
                code=1002012,
            )
        at = self._new_access_token(client.client_id, tenant, scopes, None, None)
        return {
            "token_type": "Bearer",
            "expires_in": at.expires_at - at.issued_at,
            "ext_expires_in": at.expires_at - at.issued_at,
            "access_token": at.value,
        }

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

    def _user_token_response(
        self,
        client: OAuthClient,
        user: OAuthUser,
        scopes: tuple[str, ...],
        params: dict[str, str],
        nonce: str | None,
    ) -> dict:
        resource_scopes = tuple(s for s in scopes if s not in OIDC_SCOPES)
        at = self._new_access_token(client.client_id, user.tenant_id, resource_scopes, user.username, None)
        lifetime = at.expires_at - at.issued_at
        response = {
            "token_type": "Bearer",
            "scope": " ".join(resource_scopes or ("openid", "profile")),
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": at.value,
        }
        if "offline_access" in scopes:
            rt = _RefreshToken(
                value=secrets.token_urlsafe(48),
                client_id=client.client_id,
                tenant_id=user.tenant_id,
                username=user.username,
                scopes=scopes,
                expires_at=int(time.time()) + self.refresh_token_lifetime,
            )
            self._refresh_tokens[rt.value] = rt
            response["refresh_token"] = rt.value
        if "openid" in scopes:
            response["id_token"] = self._id_token(client, user, nonce)
        if params.get("client_info") == "1":
            response["client_info"] = self._client_info(user)
        return response

    def _id_token(self, client: OAuthClient, user: OAuthUser, nonce: str | None) -> str:
        # HS256 with the client secret is a valid OIDC choice for confidential clients and needs no JWKS.
        # MSAL only decodes the claims (it checks nonce against its flow; the portal may check aud).
        now = int(time.time())
        claims = {
            "aud": client.client_id,
            "iss": self.issuer(user.tenant_id),
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "name": user.display_name,
            "oid": user.object_id,
            "preferred_username": user.username,
            "email": user.username,
            "sub": _b64url(hashlib.sha256(f"{user.object_id}:{client.client_id}".encode()).digest()[:24]),
            "tid": user.tenant_id,
            "ver": "2.0",
        }
        if nonce is not None:
            claims["nonce"] = nonce
        signing_input = f"{_json_b64url({'typ': 'JWT', 'alg': 'HS256'})}.{_json_b64url(claims)}"
        signature = hmac.new(client.client_secret.encode(), signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64url(signature)}"


def _form_post_page(action: str, fields: dict[str, str]) -> bytes:
    """What Microsoft answers for response_mode=form_post: a self-submitting form to the redirect URI."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}"/>' for k, v in fields.items()
    )
    return (
        f'<html><body onload="document.forms[0].submit()"><form method="POST" action="{html.escape(action)}">'
        f'{inputs}<noscript><input type="submit"/></noscript></form></body></html>'
    ).encode()


class _HiddenInputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.fields[attributes["name"]] = attributes.get("value") or ""


class _TlsHttpServer(ThreadingHTTPServer):
    """ThreadingHTTPServer whose TLS handshake happens in the per-connection thread.

    Wrapping the listening socket instead would run handshakes in accept(), so one stuck client
    (e.g. a plaintext probe) could block every other request.
    """

    daemon_threads = True
    allow_reuse_address = True
    authority: OAuthAuthority

    def __init__(self, address, handler, ssl_context: ssl.SSLContext):
        self.ssl_context = ssl_context
        super().__init__(address, handler)

    def finish_request(self, request, client_address):
        request.settimeout(10)
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return  # failed handshake, e.g. a client rejecting our certificate: nothing to serve
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            tls.close()

    def handle_error(self, request, client_address):
        pass  # connection resets from clients going away are normal in tests; don't spam stderr


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: MSAL's requests session and Dovecot reuse connections
    server: _TlsHttpServer

    def log_message(self, format, *args):
        pass

    @property
    def authority(self) -> OAuthAuthority:
        return self.server.authority

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status: int, payload: dict) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json; charset=utf-8")

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}

    def _route(self) -> tuple[str, list[str], dict[str, str]]:
        url = urlsplit(self.path)
        segments = [s for s in url.path.split("/") if s]
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        return url.path, segments, query

    def do_GET(self):
        _, seg, query = self._route()
        try:
            if len(seg) == 4 and seg[1:] == ["v2.0", ".well-known", "openid-configuration"]:
                self._send_json(200, self.authority._openid_configuration(seg[0]))
            elif len(seg) == 4 and seg[1:] == ["oauth2", "v2.0", "authorize"]:
                status, result = self.authority._authorize(seg[0], query)
                if status == HTTPStatus.FOUND and query.get("response_mode") == "form_post":
                    assert isinstance(result, dict)
                    self._send(
                        200, _form_post_page(query["redirect_uri"], result), "text/html; charset=utf-8"
                    )
                elif status == HTTPStatus.FOUND:
                    assert isinstance(result, dict)
                    parts = urlsplit(query["redirect_uri"])
                    merged = "&".join(p for p in (parts.query, urlencode(result)) if p)
                    location = urlunsplit((parts.scheme, parts.netloc, parts.path, merged, ""))
                    self._send(302, b"", "text/plain", {"Location": location})
                else:
                    self._send(
                        status,
                        f"<html><body><h1>Sign in error</h1><p>{result}</p></body></html>".encode(),
                        "text/html; charset=utf-8",
                    )
            elif len(seg) == 4 and seg[1:] == ["discovery", "v2.0", "keys"]:
                self._send_json(200, {"keys": []})
            else:
                self._send_json(404, {"error": "not_found", "error_description": self.path})
        except OAuthError as exc:
            self._send_json(exc.status, exc.body())

    def do_POST(self):
        _, seg, _ = self._route()
        form = self._form()
        try:
            if len(seg) == 4 and seg[1:] == ["oauth2", "v2.0", "token"]:
                self._send_json(200, self.authority._token(seg[0], form, self.headers.get("Authorization")))
            elif seg == ["introspect"]:
                token = form.get("token")
                auth = self.headers.get("Authorization") or ""
                if not token and auth.lower().startswith("bearer "):
                    token = auth[7:].strip()
                self._send_json(200, self.authority.introspect(token or ""))
            else:
                self._send_json(404, {"error": "not_found", "error_description": self.path})
        except OAuthError as exc:
            self._send_json(exc.status, exc.body())
