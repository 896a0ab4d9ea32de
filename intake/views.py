from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from intake.health import health_report
from intake.models import Employee
from intake.tenancy import SESSION_KEY


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


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Employee
        fields = ["display_name", "email"]
        labels = {"display_name": gettext_lazy("Display name"), "email": gettext_lazy("E-mail")}


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
