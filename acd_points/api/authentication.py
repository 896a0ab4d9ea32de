"""Who an API request acts as: the employee a token was issued to, in that employee's tenant."""

import logging
import math

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.throttling import SimpleRateThrottle

from acd_points.api import tokens
from acd_points.api.throttling import WindowCounter
from intake.sign_in import client_address

logger = logging.getLogger(__name__)
KEYWORDS = {b"bearer", b"token"}  # "Token" is DRF's own spelling; clients written for it work too


class FailedTokenThrottle(SimpleRateThrottle):
    """Failed token checks per client address (the sign-in's address rule, intake/sign_in.py).

    Past the rate (`DEFAULT_THROTTLE_RATES["failed_token"]`, else 10 a minute) every request from that
    address that presents a token answers 429 until the window has room again, valid tokens included,
    so guessing learns nothing. Only failures count: working integrations never come near it. Counted in
    the shared cache, atomically, like the per-user rate (acd_points/api/throttling.py).
    """

    scope = "failed_token"
    DEFAULT_RATE = "10/minute"

    def get_rate(self):
        return self.THROTTLE_RATES.get(self.scope, self.DEFAULT_RATE)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}

    def refuse_if_exceeded(self, request) -> None:
        self.counter = WindowCounter(
            self.get_cache_key(request, None), self.num_requests, self.duration, cache=self.cache
        )
        now = self.timer()
        try:
            used = self.counter.used(now)
        except Exception:  # the cache server is away: tokens are still checked, only not counted
            logger.warning("Failed-token limit not checked: the cache cannot be reached", exc_info=True)
            return
        if used >= self.num_requests:
            raise Throttled(wait=max(1, math.ceil(self.counter.wait(now))))

    def record_failure(self) -> None:
        try:
            self.counter.hit(self.timer())
        except Exception:
            logger.warning("Failed token not counted: the cache cannot be reached", exc_info=True)


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>` (or `Token <token>`).

    Sets `request.employee` and `request.tenant` as CurrentTenantMiddleware does for pages (API requests
    carry no session); the views' base class activates that tenant around the handler. The token is a
    factor of its own: two-factor authentication of the pages does not apply to the API.
    """

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None  # no credentials: IsAuthenticated answers 401
        throttle = FailedTokenThrottle()
        throttle.refuse_if_exceeded(request)
        try:
            token = self._token(parts)
        except AuthenticationFailed:
            throttle.record_failure()
            raise
        # Both the DRF request and the Django request it wraps: code given either sees the same employee.
        for target in (request, request._request):
            target.employee, target.tenant = token.employee, token.tenant
        return token.employee.user, token

    @staticmethod
    def _token(parts):
        if len(parts) != 2:
            raise AuthenticationFailed(_("Invalid Authorization header: put the token after the keyword."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("Invalid or revoked token.")) from None
        token = tokens.check(raw)
        if token is None:
            raise AuthenticationFailed(_("Invalid or revoked token."))
        return token

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
