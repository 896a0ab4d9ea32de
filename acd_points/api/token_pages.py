"""An employee's own API tokens, on a page reached from the profile: issue one (shown once), see what
each is used for and when it was last used, revoke it.

The secret is rendered on the page that answers the POST, never after a redirect (a redirect would carry
it through the messages cookie or session), and that page is not cached. Only employees with an ACD area
get tokens here: the API gives nothing else.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from acd_points import access
from acd_points.api import tokens
from acd_points.models import ApiToken

LIVE_TOKENS_LIMIT = 20  # per employee: an integration needs a few; more is a leak waiting to happen


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("What will use it"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=gettext_lazy("e.g. “ERP production”: you will recognise the token by it."),
    )


def _employee_with_api(request):
    employee = request.employee
    if employee is None or not access.has_acd_area(employee):
        raise Http404
    return employee


def _own_tokens(employee):
    return ApiToken.objects.filter(employee=employee).order_by("is_revoked", "-created_at", "-id")


@login_required
def api_tokens(request):
    employee = _employee_with_api(request)
    form = TokenForm(request.POST or None)
    shown_once = ""
    if request.method == "POST" and form.is_valid():
        live = _own_tokens(employee).filter(is_revoked=False).count()
        if live >= LIVE_TOKENS_LIMIT:
            form.add_error(
                None,
                _("You have %(n)d tokens in use, the most allowed: revoke one you no longer need first.")
                % {"n": live},
            )
        else:
            _token, shown_once = tokens.issue(employee=employee, name=form.cleaned_data["name"])
            form = TokenForm()
    response = render(
        request,
        "acd_points/api_tokens.html",
        {"form": form, "tokens": _own_tokens(employee)[:100], "shown_once": shown_once},
    )
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def revoke_api_token(request, token_pk):
    employee = _employee_with_api(request)
    token = _own_tokens(employee).filter(pk=token_pk).first()
    if token is None:
        raise Http404
    if tokens.revoke(token_ids=[token.pk]):
        messages.success(
            request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name}
        )
    return redirect("acd:api-tokens")
