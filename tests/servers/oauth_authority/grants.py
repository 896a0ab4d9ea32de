"""The OAuth 2.0 protocol of the authority, independent of HTTP: authorize, the three grants, introspection.

Answers and error texts follow Microsoft's (AADSTS codes) because MSAL and the portal react to them;
the HTTP layer (:mod:`.http`) only decodes requests and serialises these results.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from urllib.parse import unquote_plus

from tests.servers.oauth_authority.state import (
    OIDC_SCOPES,
    TENANT_ALIASES,
    AuthorityState,
    AuthorizeRequest,
    OAuthClient,
    OAuthUser,
    TokenRequest,
    _AuthCode,
)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_b64url(obj: dict) -> str:
    return _b64url(json.dumps(obj, separators=(",", ":")).encode())


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


class OAuthGrants(AuthorityState):
    """Protocol logic on top of the state; the HTTP subclass supplies :meth:`issuer` (it knows the port)."""

    def issuer(self, tenant_id: str | None = None) -> str:
        """The ``iss`` of id tokens and introspection answers; depends on where the server listens."""
        raise NotImplementedError

    # ------------------------------------------------------------------ introspection

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

    # ------------------------------------------------------------------ authorize

    def _check_tenant(self, tenant: str) -> None:
        if tenant not in self._tenants and tenant not in TENANT_ALIASES:
            raise OAuthError(
                "invalid_tenant",
                f"AADSTS90002: Tenant '{tenant}' not found. "
                "Check to make sure you have the correct tenant ID.",
                code=90002,
            )

    def _authorize(self, tenant: str, params: dict[str, str]) -> tuple[int, dict[str, str] | str]:
        """Returns (302, redirect query) or (400, error text shown to the user, like Microsoft's page)."""
        with self._lock:
            self.authorize_requests.append(AuthorizeRequest(tenant, dict(params)))
            target = self._authorize_target(tenant, params)
            if isinstance(target, str):
                return 400, target
            client, redirect_uri = target
            query: dict[str, str] = {}
            if "state" in params:
                query["state"] = params["state"]
            try:
                user, method = self._authorize_consent(tenant, params)
            except OAuthError as exc:
                return 302, {"error": exc.error, "error_description": exc.description, **query}
            code = self._new_auth_code(client.client_id, user, redirect_uri, params, method)
            query = {"code": code.value, **query, "session_state": str(uuid.uuid4())}
            if params.get("client_info") == "1":
                query["client_info"] = self._client_info(user)
            return 302, query

    def _authorize_target(self, tenant: str, params: dict[str, str]) -> tuple[OAuthClient, str] | str:
        """The app and redirect URI, or the error text (no redirect without a trusted redirect URI)."""
        try:
            self._check_tenant(tenant)
        except OAuthError as exc:
            return exc.description
        client = self._clients.get(params.get("client_id", ""))
        if client is None:
            return f"AADSTS700016: Application with identifier '{params.get('client_id')}' was not found"
        redirect_uri = params.get("redirect_uri", "")
        if not redirect_uri or (
            client.redirect_uris is not None and redirect_uri not in client.redirect_uris
        ):
            return f"AADSTS50011: The redirect URI '{redirect_uri}' does not match the configured ones"
        return client, redirect_uri

    def _authorize_consent(self, tenant: str, params: dict[str, str]) -> tuple[OAuthUser, str | None]:
        """The signed-in user and PKCE method; OAuthError for what goes back to the redirect URI."""
        if self._refusal is not None:
            raise OAuthError(*self._refusal)
        if params.get("response_type") != "code":
            raise OAuthError("unsupported_response_type", "AADSTS700054: response_type must be 'code'")
        if params.get("response_mode", "query") not in ("query", "form_post"):
            raise OAuthError("invalid_request", "AADSTS900144: response_mode must be 'query' or 'form_post'")
        user = self._pick_user(tenant, params.get("login_hint"))
        if user is None:
            raise OAuthError("login_required", "AADSTS50058: no user is signed in for this tenant")
        method = params.get("code_challenge_method") or ("plain" if params.get("code_challenge") else None)
        if method not in (None, "S256", "plain"):
            raise OAuthError("invalid_request", "AADSTS501491: invalid code_challenge_method")
        return user, method

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

    # ------------------------------------------------------------------ token endpoint

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
        _check_pkce(code, params.get("code_verifier"))
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
            response["refresh_token"] = self._new_refresh_token(client.client_id, user, scopes).value
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


def _check_pkce(code: _AuthCode, verifier: str | None) -> None:
    """RFC 7636: the code's redeemer must prove it started the flow (MSAL always sends S256)."""
    if code.code_challenge is None:
        return
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
