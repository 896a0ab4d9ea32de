"""Signing in: the password step, the second-factor step, and the throttling of both (django-axes).

Failed sign-ins are counted by django-axes in the database (so every web process sees the same counts),
per account and per client address: an account is locked after AXES_FAILURE_LIMIT failures within the
cool-off time, an address after AXES_ADDRESS_FAILURE_LIMIT (larger: a whole office may share one), and a
lock ends by itself AXES_COOLOFF_TIME after the failure that set it, or when an administrator resets it.
A wrong second-factor code counts as a failed sign-in too. A successful sign-in clears its account's count.
"""

import enum
import ipaddress
import math
import time
from dataclasses import dataclass
from datetime import datetime

import django_otp
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_credentials, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.shortcuts import render
from django.utils import timezone

from intake import two_factor
from intake.models import Employee
from intake.tenancy import is_tenant_administrator

PENDING_SESSION_KEY = "sign_in_pending"
PENDING_SECONDS = 300  # the code must follow the password within five minutes


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, unless AXES_TRUSTED_PROXY_COUNT reverse proxies stand in front,
    each appending the address it saw to X-Forwarded-For; then the entry that many from the right (what
    the client itself put in the header is further left, and never trusted)."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = getattr(settings, "AXES_TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote  # did not come through the proxies
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote


def _limit_of(parameter) -> int:
    return settings.AXES_ADDRESS_FAILURE_LIMIT if parameter == "ip_address" else settings.AXES_FAILURE_LIMIT


class SignInAttemptHandler(AxesDatabaseHandler):
    """axes' database handler with a limit per lockout parameter, and a reset on success that clears only
    the account that signed in."""

    def get_failures(self, request, credentials=None) -> int:
        # axes compares one number with AXES_FAILURE_LIMIT; an address's count is scaled onto it, so it
        # reaches that limit exactly when the address reaches its own.
        limit = settings.AXES_FAILURE_LIMIT
        parameters = get_lockout_parameters(request, credentials)
        worst = 0
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            count = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            worst = max(worst, count * limit // _limit_of(parameter))
        return worst

    def reset_user_attempts(self, request, credentials=None) -> int:
        # axes would also clear the whole address, letting anyone with one working login wipe the
        # failures of every account tried from the same place.
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def _window_start() -> datetime:
    return timezone.now() - get_cool_off(None)


def _lock_end(rows, limit: int) -> datetime | None:
    """When a lock over `rows` (attempt_time, failures), newest first, ends; None if it is not locked.
    A lock holds while the failures inside the cool-off window add up to the limit."""
    total = 0
    for attempt_time, failures in rows:
        total += failures
        if total >= limit:
            return attempt_time + get_cool_off(None)
    return None


def _recent(field: str, value):
    rows = AccessAttempt.objects.filter(**{field: value}, attempt_time__gte=_window_start())
    return rows.order_by("-attempt_time").values_list("attempt_time", "failures_since_start")


def lockout_minutes(request, credentials=None) -> int:
    """Whole minutes until the account and the address of this request may try again (at least 1)."""
    username = get_client_username(request, credentials)
    ends = [
        _lock_end(_recent("username", username), settings.AXES_FAILURE_LIMIT),
        _lock_end(_recent("ip_address", client_address(request)), settings.AXES_ADDRESS_FAILURE_LIMIT),
    ]
    until = max((end for end in ends if end), default=timezone.now() + get_cool_off(None))
    return max(1, math.ceil((until - timezone.now()).total_seconds() / 60))


def render_lockout(request, credentials=None):
    """The sign-in page saying how long to wait, answered with 429; the username stays in its field."""
    # Unbound (a bound form would authenticate again when the page asks for its errors): initial only.
    form = AuthenticationForm(request, initial={"username": get_client_username(request, credentials) or ""})
    context = {"form": form, "lockout_minutes": lockout_minutes(request, credentials)}
    return render(request, "registration/login.html", context, status=429)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: our pages answer a lockout themselves; anything else gets the sign-in page."""
    if original_response is not None and original_response.status_code == 429:
        return original_response
    return render_lockout(request, credentials)


# The two steps


def password_accepted(request, user) -> bool:
    """The password was right: sign the user in, or, when they have an authenticator, keep them pending
    until its code (nothing is signed in before that). True when the code is owed."""
    if two_factor.has_device(user):
        request.session.cycle_key()  # a session id planted before the password learns nothing of it
        request.session[PENDING_SESSION_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "since": time.time(),
        }
        return True
    auth_login(request, user)
    request.session[two_factor.NOTHING_OWED_SESSION_KEY] = user.pk
    return False


def user_owing_code(request):
    """Who the code page is for: whoever passed the password step in this session in the last five
    minutes, or a signed-in user with an authenticator whose session is not verified yet; else None."""
    if request.user.is_authenticated:
        owes = not two_factor.is_verified(request) and two_factor.has_device(request.user)
        return request.user if owes else None
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending or time.time() - pending["since"] > PENDING_SECONDS:
        request.session.pop(PENDING_SESSION_KEY, None)
        return None
    return get_user_model()._default_manager.filter(pk=pending["user"], is_active=True).first()


class Outcome(enum.Enum):
    SIGNED_IN = "signed in"
    WRONG = "wrong code"
    WAIT = "wait"
    LOCKED = "locked out"


@dataclass(frozen=True)
class CodeResult:
    outcome: Outcome
    wait_seconds: int = 0
    used_recovery_code: bool = False


def submit_code(request, user, code: str) -> CodeResult:
    """The second-factor step: a code of the user's authenticator, or a recovery code."""
    credentials = get_credentials(user.get_username())
    if not AxesProxyHandler.is_allowed(request, credentials):
        return CodeResult(Outcome.LOCKED)
    check = two_factor.check_code(user, code)
    if check.wait_seconds:
        return CodeResult(Outcome.WAIT, wait_seconds=check.wait_seconds)
    if check.device is None:
        # Counted like a wrong password: knowing the password must not buy unlimited guesses at the code.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        return CodeResult(Outcome.LOCKED if getattr(request, "axes_locked_out", False) else Outcome.WRONG)
    pending = request.session.pop(PENDING_SESSION_KEY, None)
    if request.user.is_authenticated:
        request.session.cycle_key()  # more rights from here on: a new session key, as at sign-in
    else:
        auth_login(request, user, backend=pending["backend"])
    django_otp.login(request, check.device)
    return CodeResult(Outcome.SIGNED_IN, used_recovery_code=check.used_recovery_code)


def end_locked_sign_in(request, user):
    """A lock met at the code step: forget the pending sign-in (or sign the unverified session out, so
    the password is asked again), and answer with the sign-in page's lockout."""
    request.session.pop(PENDING_SESSION_KEY, None)
    if request.user.is_authenticated:
        auth_logout(request)
    return render_lockout(request, get_credentials(user.get_username()))


# What administrators see and reset


@dataclass(frozen=True)
class FailedSignIns:
    """Recent failures of one account (with the addresses they came from) or of one address."""

    key: str
    failures: int
    last_failure: datetime
    addresses: tuple[str, ...]
    locked_until: datetime | None


def _visible_usernames(request) -> set[str] | None:
    """None for platform superusers (every account); a tenant administrator's own employees' usernames."""
    if request.user.is_superuser:
        return None
    if not is_tenant_administrator(request):
        raise PermissionDenied
    return set(Employee.objects.values_list("user__username", flat=True))


def _grouped(rows, field: str, limit: int) -> list[FailedSignIns]:
    groups: dict[str, list] = {}
    for row in rows.order_by("-attempt_time"):
        groups.setdefault(getattr(row, field) or "", []).append(row)
    return [
        FailedSignIns(
            key=key,
            failures=sum(r.failures_since_start for r in group),
            last_failure=group[0].attempt_time,
            addresses=tuple(sorted({r.ip_address for r in group if r.ip_address})),
            locked_until=_lock_end([(r.attempt_time, r.failures_since_start) for r in group], limit),
        )
        for key, group in groups.items()
    ]


def failed_accounts(request) -> list[FailedSignIns]:
    """Accounts with failed sign-ins within the cool-off time that the requesting administrator may see."""
    rows = AccessAttempt.objects.filter(attempt_time__gte=_window_start())
    visible = _visible_usernames(request)
    if visible is not None:
        rows = rows.filter(username__in=visible)
    return _grouped(rows, "username", settings.AXES_FAILURE_LIMIT)


def failed_addresses(request) -> list[FailedSignIns]:
    """Addresses with recent failures: platform superusers only (an address is shared across companies)."""
    if not request.user.is_superuser:
        return []
    rows = AccessAttempt.objects.filter(attempt_time__gte=_window_start(), ip_address__isnull=False)
    return _grouped(rows, "ip_address", settings.AXES_ADDRESS_FAILURE_LIMIT)


def reset_account(request, username: str) -> int:
    """Clear an account's failures (and so its lock); another company's account counts as unknown."""
    visible = _visible_usernames(request)
    if visible is not None and username not in visible:
        return 0
    return AxesProxyHandler.reset_attempts(username=username)


def reset_address(request, address: str) -> int:
    if not request.user.is_superuser:
        raise PermissionDenied
    try:
        address = str(ipaddress.ip_address(address))
    except ValueError:
        return 0
    return AxesProxyHandler.reset_attempts(ip_address=address)
