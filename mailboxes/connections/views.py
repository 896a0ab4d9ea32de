"""The Microsoft sign-in callback: where the identity platform sends the administrator back."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from intake.tenancy import is_tenant_administrator, manager_for
from mailboxes.connections import sign_in
from mailboxes.models import Mailbox

FLOWS_SESSION_KEY = "ms_sign_in_flows"
MAX_PENDING_FLOWS = 5


def sign_in_redirect_uri(request) -> str:
    """The redirect URI registered in Entra; configurable because a proxy may hide the public address."""
    return settings.MS_OAUTH_REDIRECT_URI or request.build_absolute_uri(reverse("mailboxes:oauth-callback"))


def remember_sign_in_flow(request, mailbox: Mailbox, flow: dict) -> None:
    # The flow holds the PKCE verifier and nonce: it stays server-side, in the session, keyed by state.
    flows = request.session.get(FLOWS_SESSION_KEY, {})
    flows[flow["state"]] = {"mailbox": mailbox.pk, "tenant": mailbox.tenant_id, "flow": flow}
    request.session[FLOWS_SESSION_KEY] = dict(list(flows.items())[-MAX_PENDING_FLOWS:])


@login_required
@require_GET
def oauth_callback(request):
    flows = request.session.get(FLOWS_SESSION_KEY, {})
    pending = flows.pop(request.GET.get("state", ""), None)
    request.session[FLOWS_SESSION_KEY] = flows
    if pending is None:
        messages.error(request, _("This sign-in answer does not match a sign-in started here; start again."))
        return redirect("admin:mailboxes_mailbox_changelist")
    mailbox = _mailbox_for(request, pending)
    outcome = sign_in.complete_sign_in(mailbox, flow=pending["flow"], response=request.GET.dict())
    messages.add_message(request, messages.SUCCESS if outcome.ok else messages.ERROR, outcome.message)
    return redirect("admin:mailboxes_mailbox_change", mailbox.pk)


def _mailbox_for(request, pending) -> Mailbox:
    queryset = manager_for(request, Mailbox).filter(pk=pending["mailbox"], tenant_id=pending["tenant"])
    allowed = request.user.is_superuser or (
        is_tenant_administrator(request) and request.tenant.pk == pending["tenant"]
    )
    if not allowed:
        raise Http404
    mailbox = queryset.first()
    if mailbox is None:
        raise Http404
    return mailbox
