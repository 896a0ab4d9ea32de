import django_otp
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from intake import sign_in, two_factor
from intake.forms import ProfileForm
from intake.health import health_report
from intake.tenancy import SESSION_KEY, is_tenant_administrator


@require_GET
@never_cache
def healthz(request):
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


@login_required
def dashboard(request):
    return render(request, "intake/dashboard.html")


@login_required
@require_POST
def switch_tenant(request):
    try:
        tenant_id = int(request.POST.get("tenant", ""))
    except ValueError:
        raise Http404 from None
    if not any(m.tenant_id == tenant_id for m in request.memberships):
        raise Http404  # not a member: answer as if the tenant did not exist
    request.session[SESSION_KEY] = tenant_id
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "dashboard"
    return redirect(target)


@login_required
def profile(request):
    if request.employee is None:
        raise Http404
    form = ProfileForm(request.POST or None, instance=request.employee)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        return redirect("profile")
    return render(request, "intake/profile.html", {"form": form})


# Signing in (intake/sign_in.py) and two-factor authentication (intake/two_factor.py)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=40,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


def _safe_next(request, fallback=settings.LOGIN_REDIRECT_URL) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(fallback)


class SignInView(auth_views.LoginView):
    """The password step; a user with an authenticator goes on to the code page, signed in only there."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        if sign_in.password_accepted(self.request, form.get_user()):
            return redirect_to_login(self.get_success_url(), login_url=reverse("sign-in-verify"))
        return redirect(self.get_success_url())

    def form_invalid(self, form):
        if getattr(self.request, "axes_locked_out", False):
            return sign_in.render_lockout(self.request, getattr(self.request, "axes_credentials", None))
        return super().form_invalid(form)


@never_cache
def sign_in_verify(request):
    """The second-factor step: a code from the authenticator app, or a recovery code."""
    user = sign_in.user_owing_code(request)
    if user is None:
        return redirect("dashboard" if request.user.is_authenticated else "login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = sign_in.submit_code(request, user, form.cleaned_data["code"])
        if result.outcome == sign_in.Outcome.SIGNED_IN:
            if result.used_recovery_code:
                left = two_factor.recovery_codes_left(user)
                messages.warning(request, _("You used a recovery code; %(left)d left.") % {"left": left})
            return redirect(_safe_next(request))
        if result.outcome == sign_in.Outcome.LOCKED:
            return sign_in.end_locked_sign_in(request, user)
        if result.outcome == sign_in.Outcome.WAIT:
            form.add_error(
                None,
                _("Too many wrong codes. Wait %(s)d seconds and try again.") % {"s": result.wait_seconds},
            )
        else:
            form.add_error("code", _("This code is not right. Try the current one, or a recovery code."))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _safe_next(request)})


def _two_factor_context(request, **extra):
    user = request.user
    return {
        "enabled": two_factor.has_device(user),
        "required": two_factor.is_required(user, request.memberships),
        "codes_left": two_factor.recovery_codes_left(user),
        **extra,
    }


@login_required
def two_factor_page(request):
    return render(request, "intake/two_factor.html", _two_factor_context(request))


@login_required
@never_cache
def two_factor_set_up(request):
    """Set up an authenticator app (or a new one): scan or type the secret, confirm with a code."""
    user = request.user
    if two_factor.has_device(user) and not two_factor.is_verified(request):
        # Only a session that passed the current authenticator may replace it.
        return redirect_to_login(request.get_full_path(), login_url=reverse("sign-in-verify"))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = two_factor.confirm_enrolment(user, form.cleaned_data["code"])
        if confirmed is not None:
            device, codes = confirmed
            django_otp.login(request, device)
            messages.success(request, _("Two-factor authentication is on."))
            return _show_recovery_codes(request, codes)
        form.add_error("code", _("This code is not right. Check the time on your phone and try again."))
    context = {
        "form": form,
        "enrolment": two_factor.pending_enrolment(user),
        "required": two_factor.is_required(user, request.memberships),
        "next": _safe_next(request, "two-factor"),
    }
    return render(request, "intake/two_factor_set_up.html", context)


def _show_recovery_codes(request, codes):
    # Shown once, on this answer only: nothing keeps them in clear text, and the page is never cached.
    response = render(
        request,
        "intake/two_factor_recovery_codes.html",
        {"codes": codes, "next": _safe_next(request, "two-factor")},
    )
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def two_factor_recovery_codes(request):
    if not two_factor.is_verified(request):
        raise PermissionDenied
    return _show_recovery_codes(request, two_factor.replace_recovery_codes(request.user))


@login_required
@require_POST
def two_factor_turn_off(request):
    if two_factor.is_required(request.user, request.memberships):
        messages.error(request, _("Two-factor authentication is required for your account; it stays on."))
    elif two_factor.has_device(request.user) and not two_factor.is_verified(request):
        raise PermissionDenied
    else:
        two_factor.turn_off(request.user)
        request.session[two_factor.NOTHING_OWED_SESSION_KEY] = request.user.pk
        messages.success(request, _("Two-factor authentication is off."))
    return redirect("two-factor")


def _administrator_only(request):
    if not (request.user.is_superuser or is_tenant_administrator(request)):
        raise PermissionDenied


@login_required
def sign_in_security(request):
    """Administrators: recent failed sign-ins and lockouts, and their colleagues' two-factor status."""
    _administrator_only(request)
    context = {
        "accounts": sign_in.failed_accounts(request),
        "addresses": sign_in.failed_addresses(request),
        "colleagues": two_factor.overview(request),
        "require_admin_two_factor": request.tenant.require_admin_two_factor if request.tenant else None,
    }
    return render(request, "registration/sign_in_security.html", context)


@login_required
@require_POST
def sign_in_security_reset(request):
    _administrator_only(request)
    kind, value = request.POST.get("kind"), request.POST.get("value", "")
    if kind == "account" and sign_in.reset_account(request, value):
        messages.success(request, _("The failed sign-ins of %(name)s were cleared.") % {"name": value})
    elif kind == "address" and sign_in.reset_address(request, value):
        messages.success(request, _("The failed sign-ins from %(name)s were cleared.") % {"name": value})
    elif kind == "two_factor":
        _reset_two_factor(request, value)
    elif kind == "require" and request.tenant is not None:
        two_factor.require_of_administrators(request.tenant, value == "on")
        messages.success(request, _("The company's sign-in rule was saved."))
    return redirect("sign-in-security")


def _reset_two_factor(request, user_id: str):
    user = get_user_model()._default_manager.filter(pk=int(user_id) if user_id.isdigit() else 0).first()
    if user is None or not two_factor.may_reset(request, user):
        raise Http404  # another company's login, or one this administrator may not touch: as if unknown
    two_factor.turn_off(user)
    messages.success(
        request,
        _("Two-factor authentication of %(name)s was turned off; they can set it up again after signing in.")
        % {"name": user.get_username()},
    )
