"""The local OAuth authority works with the real msal.ConfidentialClientApplication (no mocks)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets

import msal
import pytest
import requests

from tests.servers.oauth_authority import APP_ONLY_SCOPE, IMAP_SCOPE, OAuthAuthority, OAuthClient

REDIRECT_URI = "https://portal.example.test/mailboxes/oauth/callback"
VERIFIER = "verifier-of-at-least-43-characters-0123456789abcdef"

# MSAL warns that response_mode=form_post is "recommended"; query mode is what most tests here use.
pytestmark = pytest.mark.filterwarnings("ignore:response_mode='form_post' is recommended:UserWarning")


def _app(
    authority: OAuthAuthority, client: OAuthClient, cache: msal.TokenCache | None = None
) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        client.client_id,
        client_credential=client.client_secret,
        token_cache=cache,
        **authority.msal_kwargs(),
    )


def _sign_in(authority: OAuthAuthority, app: msal.ConfidentialClientApplication, **flow_kwargs) -> dict:
    flow = app.initiate_auth_code_flow([IMAP_SCOPE], redirect_uri=REDIRECT_URI, **flow_kwargs)
    auth_response = authority.follow_authorize(flow["auth_uri"])
    return app.acquire_token_by_auth_code_flow(flow, auth_response)


@pytest.fixture
def user(oauth_authority: OAuthAuthority) -> str:
    return oauth_authority.add_user(f"user-{secrets.token_hex(4)}@contoso.test").username


@pytest.mark.usefixtures("requests_trust_test_ca")
def test_msal_auth_code_flow_yields_tokens_and_an_account(
    oauth_authority: OAuthAuthority, oauth_client: OAuthClient, user: str
):
    app = _app(oauth_authority, oauth_client)

    result = _sign_in(oauth_authority, app)

    assert "error" not in result, result
    assert result["token_type"] == "Bearer"
    assert result["refresh_token"]
    assert result["id_token_claims"]["aud"] == oauth_client.client_id
    assert result["id_token_claims"]["preferred_username"] == user
    [account] = app.get_accounts()
    assert account["username"] == user
    assert oauth_authority.introspect(result["access_token"])["username"] == user
    # PKCE and nonce were sent and checked.
    params = oauth_authority.authorize_requests[-1].params
    assert params["code_challenge_method"] == "S256" and params["nonce"]
    assert IMAP_SCOPE in params["scope"].split() and "offline_access" in params["scope"].split()


@pytest.mark.usefixtures("requests_trust_test_ca")
def test_msal_auth_code_flow_with_form_post_response_mode(
    oauth_authority: OAuthAuthority, oauth_client: OAuthClient, user: str
):
    app = _app(oauth_authority, oauth_client)

    result = _sign_in(oauth_authority, app, response_mode="form_post")

    assert "access_token" in result, result


def test_msal_honours_verify_argument_when_no_ca_bundle_env_is_set(
    oauth_authority: OAuthAuthority, oauth_client: OAuthClient, user: str, monkeypatch: pytest.MonkeyPatch
):
    # requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override Session.verify; without them verify= works.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    app = _app(oauth_authority, oauth_client)

    assert "access_token" in _sign_in(oauth_authority, app)


@pytest.mark.usefixtures("requests_trust_test_ca")
def test_refresh_token_rotates_on_every_silent_refresh(
    oauth_authority: OAuthAuthority, oauth_client: OAuthClient, user: str
):
    cache = msal.SerializableTokenCache()
    app = _app(oauth_authority, oauth_client, cache)
    first = _sign_in(oauth_authority, app)
    [account] = app.get_accounts()
    snapshots = [cache.serialize()]
    refresh_tokens = [first["refresh_token"]]
    access_tokens = [first["access_token"]]

    for _ in range(3):
        result = app.acquire_token_silent([IMAP_SCOPE], account=account, force_refresh=True)
        assert result is not None and "access_token" in result
        assert cache.has_state_changed
        cache.has_state_changed = False
        snapshots.append(cache.serialize())
        access_tokens.append(result["access_token"])
        refresh_tokens.append(_cached_refresh_token(cache))

    assert len(set(snapshots)) == 4
    assert len(set(refresh_tokens)) == 4
    assert len(set(access_tokens)) == 4
    assert oauth_authority.token_request_count("refresh_token", client_id=oauth_client.client_id) == 3
    assert oauth_authority.active_refresh_tokens(username=user) == [refresh_tokens[-1]]


@pytest.mark.usefixtures("requests_trust_test_ca")
def test_stale_serialized_cache_cannot_refresh_after_rotation(
    oauth_authority: OAuthAuthority, oauth_client: OAuthClient, user: str
):
    cache = msal.SerializableTokenCache()
    app = _app(oauth_authority, oauth_client, cache)
    _sign_in(oauth_authority, app)
    stale = cache.serialize()
    [account] = app.get_accounts()
    assert app.acquire_token_silent([IMAP_SCOPE], account=account, force_refresh=True)

    old_cache = msal.SerializableTokenCache()
    old_cache.deserialize(stale)
    old_app = _app(oauth_authority, oauth_client, old_cache)
    [old_account] = old_app.get_accounts()
    result = old_app.acquire_token_silent_with_error([IMAP_SCOPE], account=old_account, force_refresh=True)

    assert result["error"] == "invalid_grant"
    assert "AADSTS70000" in result["error_description"]


@pytest.mark.usefixtures("requests_trust_test_ca")
@pytest.mark.parametrize(
    ("make_unusable", "aadsts"),
    [
        (OAuthAuthority.expire_refresh_tokens, "AADSTS700082"),
        (OAuthAuthority.revoke_refresh_tokens, "AADSTS50173"),
    ],
)
def test_expired_or_revoked_refresh_token_is_invalid_grant(
    oauth_authority: OAuthAuthority, oauth_client: OAuthClient, user: str, make_unusable, aadsts: str
):
    app = _app(oauth_authority, oauth_client)
    _sign_in(oauth_authority, app)
    [account] = app.get_accounts()

    assert make_unusable(oauth_authority, username=user) == 1
    result = app.acquire_token_silent_with_error([IMAP_SCOPE], account=account, force_refresh=True)

    assert result["error"] == "invalid_grant"
    assert aadsts in result["error_description"]


@pytest.mark.usefixtures("requests_trust_test_ca")
def test_refused_authorization_redirects_back_with_error(
    oauth_authority: OAuthAuthority, oauth_client: OAuthClient, user: str
):
    oauth_authority.refuse_authorization("access_denied", "AADSTS65004: User declined to consent.")
    app = _app(oauth_authority, oauth_client)
    flow = app.initiate_auth_code_flow([IMAP_SCOPE], redirect_uri=REDIRECT_URI)

    auth_response = oauth_authority.follow_authorize(flow["auth_uri"])
    result = app.acquire_token_by_auth_code_flow(flow, auth_response)

    assert auth_response["state"] == flow["state"]
    assert "code" not in auth_response
    assert result == {"error": "access_denied", "error_description": "AADSTS65004: User declined to consent."}


def test_token_endpoint_checks_pkce_verifier_and_redirect_uri(
    oauth_authority: OAuthAuthority, oauth_client: OAuthClient, user: str
):
    verify = str(oauth_authority.tls.ca_cert)
    authorize = requests.Request(
        "GET",
        oauth_authority.authorize_endpoint(),
        params={
            "client_id": oauth_client.client_id,
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": f"{IMAP_SCOPE} offline_access openid",
            "state": "s1",
            "code_challenge": _s256(VERIFIER),
            "code_challenge_method": "S256",
        },
    ).prepare()
    code = oauth_authority.follow_authorize(authorize.url)["code"]

    def redeem(**overrides):
        data = {
            "grant_type": "authorization_code",
            "client_id": oauth_client.client_id,
            "client_secret": oauth_client.client_secret,
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": VERIFIER,
            **overrides,
        }
        return requests.post(oauth_authority.token_endpoint(), data=data, verify=verify, timeout=10)

    wrong_verifier = redeem(code_verifier="x" * 43)
    wrong_redirect = redeem(redirect_uri="https://evil.example/cb")
    ok = redeem()
    replay = redeem()

    assert wrong_verifier.status_code == 400 and "AADSTS501481" in wrong_verifier.json()["error_description"]
    assert wrong_redirect.status_code == 400 and wrong_redirect.json()["error"] == "invalid_grant"
    assert ok.status_code == 200 and ok.json()["access_token"], ok.text
    assert replay.json()["error"] == "invalid_grant"


@pytest.mark.usefixtures("requests_trust_test_ca")
def test_wrong_client_secret_is_rejected(oauth_authority: OAuthAuthority, oauth_client: OAuthClient):
    app = msal.ConfidentialClientApplication(
        oauth_client.client_id, client_credential="not-the-secret", **oauth_authority.msal_kwargs()
    )

    result = app.acquire_token_for_client([APP_ONLY_SCOPE])

    assert result["error"] == "invalid_client"
    assert "AADSTS7000215" in result["error_description"]


@pytest.mark.usefixtures("requests_trust_test_ca")
def test_client_credentials_token_introspects_as_the_apps_mailbox(oauth_authority: OAuthAuthority):
    client = oauth_authority.register_client(app_mailbox="shared-inbox@contoso.test")
    app = _app(oauth_authority, client)

    result = app.acquire_token_for_client([APP_ONLY_SCOPE])
    info = oauth_authority.introspect(result["access_token"])

    assert "error" not in result, result
    assert info["active"] is True
    assert info["username"] == "shared-inbox@contoso.test"
    assert info["app_only"] is True
    assert oauth_authority.token_request_count("client_credentials", client_id=client.client_id) == 1


@pytest.mark.usefixtures("requests_trust_test_ca")
def test_unknown_tenant_fails_openid_discovery(oauth_authority: OAuthAuthority, oauth_client: OAuthClient):
    with pytest.raises(ValueError, match="Unable to get authority configuration"):
        msal.ConfidentialClientApplication(
            oauth_client.client_id,
            client_credential=oauth_client.client_secret,
            **oauth_authority.msal_kwargs("00000000-0000-0000-0000-000000000000"),
        )


def test_introspection_endpoint_reports_expired_token_inactive(oauth_authority: OAuthAuthority, user: str):
    token = oauth_authority.issue_access_token(username=user)

    def introspect() -> dict:
        response = requests.post(
            oauth_authority.introspection_url,
            data={"token": token},
            verify=str(oauth_authority.tls.ca_cert),
            timeout=10,
        )
        return json.loads(response.text)

    before = introspect()
    oauth_authority.expire_access_token(token)
    after = introspect()

    assert before["active"] is True and before["username"] == user
    assert after["active"] is False


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _cached_refresh_token(cache: msal.SerializableTokenCache) -> str:
    [entry] = json.loads(cache.serialize())["RefreshToken"].values()
    return entry["secret"]
