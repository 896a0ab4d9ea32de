"""Two-factor authentication: who must have it, enrolling an authenticator app, recovery codes, and the
middleware that keeps every page behind the second factor.

django-otp does the one-time passwords: a TOTP device (an authenticator app) and a static device whose
tokens are the recovery codes. The static plugin compares tokens as stored, so we store each recovery
code's digest and hash what is typed before handing it over (`recovery_digest`); with 80 random bits per
code a fast hash is enough, as for API tokens. Only a confirmed TOTP device counts as "having" two-factor
authentication; recovery codes exist beside it and go with it.

API tokens are their own factor: the API never uses the session, so nothing here applies to it.
"""

import base64
import hashlib
import io
import secrets
from dataclasses import dataclass

import django_otp
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from intake.authenticators import AuthenticatorApp
from intake.models import Employee

RECOVERY_CODE_COUNT = 10
_RECOVERY_CODE_CHARACTERS = 16  # base32: 80 random bits per code
DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# The session already looked for a device of its user and found none (saves a query on every page).
NOTHING_OWED_SESSION_KEY = "two_factor_nothing_owed"
VERIFY, ENROL = "verify", "enrol"


def is_required(user, memberships) -> bool:
    """Platform superusers always; an administrator of a company that requires it of its administrators
    (in any of their companies: one session works for all of them through the switcher)."""
    if user.is_superuser:
        return True
    return any(m.is_administrator and m.tenant.require_admin_two_factor for m in memberships)


def has_device(user) -> bool:
    return AuthenticatorApp.objects.filter(user=user, confirmed=True).exists()


def is_verified(request) -> bool:
    verified = getattr(request.user, "is_verified", None)
    return bool(verified and verified())


def require_of_administrators(tenant, required: bool) -> None:
    """The company's rule; its administrators without an authenticator are sent to set one up next."""
    tenant.require_admin_two_factor = required
    tenant.save(update_fields=["require_admin_two_factor"])


# Recovery codes


def _normalised(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def recovery_digest(code: str) -> str:
    """What is stored for a recovery code (StaticToken.token holds at most 16 characters: 80 bits)."""
    digest = hashlib.sha256(f"intake-recovery-code:{_normalised(code)}".encode()).digest()
    return base64.b32encode(digest).decode().lower()[:16]


def _new_recovery_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()[:_RECOVERY_CODE_CHARACTERS]
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@transaction.atomic
def replace_recovery_codes(user) -> list[str]:
    """New recovery codes for `user`, replacing any left; returns them in clear text: show them once."""
    device, _ = StaticDevice.objects.get_or_create(user=user, defaults={"name": RECOVERY_DEVICE_NAME})
    device.token_set.all().delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=recovery_digest(c)) for c in codes)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# Enrolment


@dataclass(frozen=True)
class Enrolment:
    device: AuthenticatorApp
    otpauth_uri: str
    secret: str  # base32, in groups of four, for typing into the app by hand
    qr_svg_data_uri: str | None


def pending_enrolment(user) -> Enrolment:
    """The authenticator being set up (unconfirmed, so it signs nobody in), created on first call."""
    device = AuthenticatorApp.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = AuthenticatorApp.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode()
    return Enrolment(
        device=device,
        otpauth_uri=device.config_url,
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        qr_svg_data_uri=_qr_data_uri(device.config_url),
    )


def _qr_data_uri(text: str) -> str | None:
    try:
        from django_otp.qr import write_qrcode_image
    except ImportError:  # pragma: no cover - the QR library is optional; the secret can be typed
        return None
    out = io.BytesIO()
    try:
        write_qrcode_image(text, out)
    except ModuleNotFoundError:  # neither qrcode nor segno installed
        return None
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


@transaction.atomic
def confirm_enrolment(user, code: str) -> tuple[AuthenticatorApp, list[str]] | None:
    """Confirm the authenticator being set up with a code it shows; it replaces any earlier one and comes
    with new recovery codes (returned in clear text, once). None when the code is wrong."""
    device = (
        AuthenticatorApp.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("-pk")
        .first()
    )
    if device is None or not device.verify_token(_normalised(code)):
        return None
    AuthenticatorApp.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, replace_recovery_codes(user)


@transaction.atomic
def turn_off(user) -> None:
    """Remove the user's authenticator and recovery codes (their own choice, or an administrator's reset)."""
    AuthenticatorApp.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def _shared_logins(user_ids, tenant_id) -> set[int]:
    """Those of `user_ids` whose login also works for a company other than `tenant_id`."""
    # all_tenants: whether a login also works for another company decides; the scoped manager can't see.
    others = Employee.all_tenants.filter(user_id__in=user_ids).exclude(tenant_id=tenant_id)
    return set(others.values_list("user_id", flat=True))


def may_reset(request, user) -> bool:
    """Whether the requesting administrator may take `user`'s two-factor authentication away (for a lost
    phone): platform superusers anyone's; a tenant administrator only a colleague's whose login works for
    no other company and is no superuser, so one company never weakens another's protection."""
    if request.user.is_superuser:
        return True
    employee = getattr(request, "employee", None)
    if not employee or not employee.is_administrator or user.is_superuser or user.pk == request.user.pk:
        return False
    colleague = Employee.objects.filter(user=user).exists()  # the request's company only
    return colleague and not _shared_logins([user.pk], employee.tenant_id)


@dataclass(frozen=True)
class Colleague:
    user: object
    label: str
    enabled: bool
    resettable: bool


def overview(request) -> list[Colleague]:
    """Whose two-factor authentication the administrator sees: the active company's employees, or, for a
    platform superuser working outside any company, everybody who has it on."""
    devices = AuthenticatorApp.objects.filter(confirmed=True)
    if request.tenant is not None:
        people = [(e.user, str(e)) for e in Employee.objects.select_related("user")]
        enabled = set(devices.filter(user__in=[u for u, _ in people]).values_list("user_id", flat=True))
    elif request.user.is_superuser:
        enabled = set(devices.values_list("user_id", flat=True))
        people = [(u, u.get_username()) for u in get_user_model()._default_manager.filter(pk__in=enabled)]
    else:
        return []
    if request.user.is_superuser:
        resettable = enabled
    else:
        shared = _shared_logins(enabled, request.tenant.pk)
        resettable = {
            u.pk for u, _ in people if u.pk in enabled and u.pk not in shared and not u.is_superuser
        } - {request.user.pk}
    return [Colleague(user, label, user.pk in enabled, user.pk in resettable) for user, label in people]


# Checking a code at sign-in


@dataclass(frozen=True)
class CodeCheck:
    device: object | None  # the device that accepted the code
    wait_seconds: int = 0  # > 0: too many wrong codes lately, the device refuses to check for now

    @property
    def used_recovery_code(self) -> bool:
        return isinstance(self.device, StaticDevice)


def check_code(user, code: str) -> CodeCheck:
    """Check a code of the user's authenticator (6 digits) or one of their recovery codes.

    Each device backs off after wrong codes (django-otp: 1, 2, 4, 8… seconds); while it does, the code is
    not checked at all, so guessing gains nothing by speed.
    """
    code = _normalised(code)
    if code.isdigit() and len(code) == 6:
        device, token = AuthenticatorApp.objects.filter(user=user, confirmed=True).first(), code
    else:
        device, token = StaticDevice.objects.filter(user=user, confirmed=True).first(), recovery_digest(code)
    if device is None:
        return CodeCheck(None)
    allowed, details = device.verify_is_allowed()
    if not allowed:
        until = details.get("locked_until") if details else None
        wait = int((until - timezone.now()).total_seconds()) + 1 if until else 1
        return CodeCheck(None, wait_seconds=max(wait, 1))
    return CodeCheck(django_otp.verify_token(user, device.persistent_id, token))


# Every page behind the second factor

EXEMPT_VIEWS = {
    "login",
    "logout",
    "sign-in-verify",
    "two-factor-set-up",
    "set_language",
    "healthz",
    "admin:logout",
}
EXEMPT_NAMESPACES = {"api"}  # token-authenticated: the token is the second factor's equivalent


def factor_owed(request) -> str | None:
    """VERIFY when the signed-in session still owes the user's second factor, ENROL when the user must set
    one up before anything else, None when nothing is owed."""
    user = request.user
    required = is_required(user, getattr(request, "memberships", []))
    if not required and request.session.get(NOTHING_OWED_SESSION_KEY) == user.pk:
        return None
    if has_device(user):
        return VERIFY
    if required:
        return ENROL
    request.session[NOTHING_OWED_SESSION_KEY] = user.pk
    return None


class SecondFactorMiddleware:
    """Sends a signed-in user who owes a second factor to the code page, and one who must have two-factor
    authentication but has none to its set-up page, from every page (the admin included) except the few
    the sign-in itself needs. Goes after CurrentTenantMiddleware, whose memberships it reads."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or is_verified(request):
            return None
        match = request.resolver_match
        if match.view_name in EXEMPT_VIEWS or EXEMPT_NAMESPACES & set(match.namespaces):
            return None
        owed = factor_owed(request)
        if owed is None:
            return None
        target = reverse("sign-in-verify" if owed == VERIFY else "two-factor-set-up")
        return redirect_to_login(request.get_full_path(), login_url=target)
