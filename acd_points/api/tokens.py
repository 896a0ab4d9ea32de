"""Issuing, checking and revoking API tokens: the service the admin, the command and the API call.

A token reads `ipt_<12 hex digits>.<secret>`. The first part is public: it finds the row and lets people
recognise a token in lists. The secret is 256 random bits, stored only as its SHA-256 and compared in
constant time; with that much entropy a fast hash is enough (no password stretching needed), and nothing
stored lets anyone rebuild the token.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.utils import timezone

from acd_points.models import ApiToken

PREFIX_MARK = "ipt_"
MAX_LENGTH = 200  # longer strings are not ours; refuse before hashing them
# Recording every request would make each read a write; to the minute is precise enough to spot
# tokens nobody uses any more.
LAST_USED_PRECISION = timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def arm(token: ApiToken) -> str:
    """Give an unsaved token its tenant (the employee's), a prefix and the hash of a new secret.

    Returns the full token string, which exists nowhere else afterwards: show it once, then drop it.
    """
    token.tenant_id = token.employee.tenant_id
    token.prefix = PREFIX_MARK + secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token.secret_hash = _digest(secret)
    return f"{token.prefix}.{secret}"


def issue(*, employee, name: str) -> tuple[ApiToken, str]:
    """Create a token for `employee`; returns it with the full token string (shown once)."""
    token = ApiToken(employee=employee, name=name)
    raw = arm(token)
    token.save()
    return token, raw


def revoke(*, token_ids) -> int:
    """Revoke tokens for good; returns how many were still live."""
    # all_tenants: callers pass ids they may revoke (the admin's scoped selection, a command).
    return ApiToken.all_tenants.filter(pk__in=token_ids, is_revoked=False).update(is_revoked=True)


def check(raw: str) -> ApiToken | None:
    """The live token `raw` stands for, or None.

    None for an unknown prefix, a wrong secret, a revoked token, and a token whose employee, login or
    company was deactivated. The caller cannot tell these apart, and neither can the client.
    """
    prefix, _, secret = raw.partition(".")
    if len(raw) > MAX_LENGTH or not prefix.startswith(PREFIX_MARK) or not secret:
        return None
    # all_tenants: the token is what tells the request's tenant.
    token = ApiToken.all_tenants.select_related("employee__user", "tenant").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(_digest(secret), token.secret_hash):
        return None
    if token.is_revoked or not _live(token):
        return None
    _record_use(token)
    return token


def _live(token: ApiToken) -> bool:
    return token.employee.is_active and token.employee.user.is_active and token.tenant.is_active


def _record_use(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.all_tenants.filter(pk=token.pk).update(last_used_at=now)  # before the tenant is active
        token.last_used_at = now
