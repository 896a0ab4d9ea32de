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

Layers, each importing only the ones before it: :mod:`.state` (data and test controls) ←
:mod:`.grants` (the OAuth protocol) ← :mod:`.http` (the HTTPS server); this package re-exports the
public names so importers need not know the split.
"""

from tests.servers.oauth_authority.grants import OAuthError
from tests.servers.oauth_authority.http import OAuthAuthority
from tests.servers.oauth_authority.state import (
    APP_ONLY_SCOPE,
    AUTH_CODE_LIFETIME,
    DEFAULT_ACCESS_TOKEN_LIFETIME,
    DEFAULT_REFRESH_TOKEN_LIFETIME,
    IMAP_SCOPE,
    OIDC_SCOPES,
    SMTP_SCOPE,
    TENANT_ALIASES,
    AuthorizeRequest,
    OAuthClient,
    OAuthUser,
    TokenRequest,
)

__all__ = [
    "APP_ONLY_SCOPE",
    "AUTH_CODE_LIFETIME",
    "DEFAULT_ACCESS_TOKEN_LIFETIME",
    "DEFAULT_REFRESH_TOKEN_LIFETIME",
    "IMAP_SCOPE",
    "OIDC_SCOPES",
    "SMTP_SCOPE",
    "TENANT_ALIASES",
    "AuthorizeRequest",
    "OAuthAuthority",
    "OAuthClient",
    "OAuthError",
    "OAuthUser",
    "TokenRequest",
]
