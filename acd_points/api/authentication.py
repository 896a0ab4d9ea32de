"""Who an API request acts as: the employee a token was issued to, in that employee's tenant."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from acd_points.api import tokens

KEYWORDS = {b"bearer", b"token"}  # "Token" is DRF's own spelling; clients written for it work too


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>` (or `Token <token>`).

    Sets `request.employee` and `request.tenant` as CurrentTenantMiddleware does for pages (API requests
    carry no session); the views' base class activates that tenant around the handler.
    """

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None  # no credentials: IsAuthenticated answers 401
        if len(parts) != 2:
            raise AuthenticationFailed(_("Invalid Authorization header: put the token after the keyword."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("Invalid or revoked token.")) from None
        token = tokens.check(raw)
        if token is None:
            raise AuthenticationFailed(_("Invalid or revoked token."))
        # Both the DRF request and the Django request it wraps: code given either sees the same employee.
        for target in (request, request._request):
            target.employee, target.tenant = token.employee, token.tenant
        return token.employee.user, token

    def authenticate_header(self, request):
        # Without a challenge DRF would answer 403 instead of 401.
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Declares the token in the OpenAPI schema (imported with this module, which registers it)."""

    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token issued to one employee (Administration → API tokens, or "
            "`manage.py create_api_token`). `Authorization: Token <token>` is accepted too.",
        }
