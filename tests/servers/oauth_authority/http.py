"""The authority on the wire: HTTPS server, routing, discovery document, and the browser stand-in.

Separate from :mod:`.grants` so the protocol can be read without HTTP plumbing; this module only turns
requests into grant calls and results into Microsoft-shaped responses (JSON, 302 redirects, form_post).
"""

from __future__ import annotations

import html
import json
import ssl
import threading
from html.parser import HTMLParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import requests

from tests.servers.certs import TlsMaterial
from tests.servers.oauth_authority.grants import OAuthError, OAuthGrants
from tests.servers.oauth_authority.state import TENANT_ALIASES
from tests.servers.ports import LOOPBACK


class OAuthAuthority(OAuthGrants):
    """The authority plus its test controls. Thread-safe; start()/stop() the HTTPS server."""

    def __init__(self, tls: TlsMaterial, *, host: str = LOOPBACK, tenant_id: str | None = None):
        super().__init__(tenant_id=tenant_id)
        self.tls = tls
        self.host = host
        self._httpd: _TlsHttpServer | None = None
        self._thread: threading.Thread | None = None

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

    # ------------------------------------------------------------------ addresses

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

    # ------------------------------------------------------------------ browser stand-in

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

    # ------------------------------------------------------------------ discovery

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
                self._send_authorize(seg[0], query)
            elif len(seg) == 4 and seg[1:] == ["discovery", "v2.0", "keys"]:
                self._send_json(200, {"keys": []})
            else:
                self._send_json(404, {"error": "not_found", "error_description": self.path})
        except OAuthError as exc:
            self._send_json(exc.status, exc.body())

    def _send_authorize(self, tenant: str, query: dict[str, str]) -> None:
        """Answer like login.microsoftonline.com: redirect, self-posting form, or an error page."""
        status, result = self.authority._authorize(tenant, query)
        if status == HTTPStatus.FOUND and query.get("response_mode") == "form_post":
            assert isinstance(result, dict)
            self._send(200, _form_post_page(query["redirect_uri"], result), "text/html; charset=utf-8")
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
