"""Mailboxes in the admin: fields grouped like the source systems' tabs, with Test connection,
Authorize (Microsoft sign-in) and Send test message next to the form."""

from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from intake.admin import TenantAdminMixin, site
from intake.files import bounded, fit_to_show
from mailboxes.connections import checking, health, outgoing, sign_in, state
from mailboxes.connections.forms import MailboxForm
from mailboxes.connections.views import remember_sign_in_flow, sign_in_redirect_uri
from mailboxes.models import Mailbox
from mailboxes.notifications.tenant_settings import language_of
from mailboxes.protocols.errors import MailConnectionError, SignInRequired
from mailboxes.templatetags.stored_mail import in_reader_language

SIGNED_OUT = gettext_lazy(
    "You changed the server or app settings, so the Microsoft sign-in was discarded: press Authorize to "
    "sign in again."
)


def polling_status(mailbox: Mailbox) -> str:
    """The mailbox page's line on polling: stopped (why, and what to do), failing (since the last
    successful poll), or waiting for the first sign-in; "" while it works (or for outgoing mailboxes)."""
    trouble = health.mailbox_trouble(mailbox) if mailbox.purpose == Mailbox.Purpose.INCOMING else None
    if trouble is None:
        return ""
    reason = bounded(fit_to_show(in_reader_language(trouble.reason[:2000])), 500).rstrip(" .")
    if trouble.condition == health.FIRST_SIGN_IN:
        return in_reader_language(state.FIRST_SIGN_IN)
    if trouble.condition == health.STOPPED and mailbox.state == Mailbox.State.FAILING:
        return ngettext(
            "Polling is stopped after %(count)d authentication failure in a row: %(reason)s; fix the "
            "mailbox and press Test connection.",
            "Polling is stopped after %(count)d authentication failures in a row: %(reason)s; fix the "
            "mailbox and press Test connection.",
            mailbox.auth_failures,
        ) % {"count": mailbox.auth_failures, "reason": reason}
    if trouble.condition == health.STOPPED and mailbox.is_delegated:
        return _("Polling is stopped: %(reason)s; press Authorize and sign in again.") % {"reason": reason}
    if trouble.condition == health.STOPPED:
        return _("Polling is stopped: %(reason)s; fix the mailbox and press Test connection.") % {
            "reason": reason
        }
    if trouble.since is None:
        return _("Polling is failing: %(reason)s.") % {"reason": reason}
    since = formats.date_format(timezone.localtime(trouble.since), "SHORT_DATETIME_FORMAT")
    return _("Polling is failing since %(since)s (the last successful poll): %(reason)s.") % {
        "since": since,
        "reason": reason,
    }


@admin.register(Mailbox, site=site)
class MailboxAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = MailboxForm
    change_form_template = "admin/mailboxes/mailbox/change_form.html"
    list_display = ["name", "purpose", "email_address", "auth_method", "state_badge", "last_checked_at"]
    list_filter = ["purpose", "auth_method", "state"]
    search_fields = ["name", "email_address", "host"]
    readonly_fields = [
        "state_badge",
        "shown_last_error",
        "buffer_problems",
        "last_checked_at",
        "oauth_account",
        "folder_tree",
    ]
    actions = ["test_selected"]
    fieldsets = [
        (gettext_lazy("Cooperation mode"), {"fields": ["name", "purpose", "host", "port", "encryption"]}),
        (
            gettext_lazy("Account"),
            {
                "fields": ["email_address", "login", "auth_method", "new_password"],
                "classes": ["mailbox-account"],
            },
        ),
        (
            gettext_lazy("Microsoft OAuth 2.0"),
            {
                "fields": [
                    "oauth_grant",
                    "oauth_client_id",
                    "new_client_secret",
                    "oauth_directory_id",
                    "oauth_account",
                ],
                "classes": ["mailbox-oauth"],
                "description": gettext_lazy(
                    "An app registered in Microsoft Entra: its Application (client) ID, a client secret "
                    "value and the Directory (tenant) ID. Delegated: save, then press Authorize and sign in."
                ),
            },
        ),
        (gettext_lazy("Outgoing mail"), {"fields": ["automat"], "classes": ["mailbox-outgoing"]}),
        (gettext_lazy("Certificate"), {"fields": ["trusted_certificate"], "classes": ["collapse"]}),
        (
            gettext_lazy("State"),
            {
                "fields": [
                    "state_badge",
                    "shown_last_error",
                    "buffer_problems",
                    "last_checked_at",
                    "folder_tree",
                ]
            },
        ),
    ]

    class Media:
        js = ["mailboxes/mailbox_form.js"]
        css = {"all": ["mailboxes/mailbox_admin.css"]}

    @admin.display(description=gettext_lazy("state"), ordering="state")
    def state_badge(self, obj):
        if state.awaiting_first_sign_in(obj):  # not an incident: it never worked yet
            return format_html(
                '<span class="mailbox-state state-untested">{}</span>', _("waiting for its first sign-in")
            )
        return format_html(
            '<span class="mailbox-state state-{}">{}</span>', obj.state, obj.get_state_display()
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        mailbox = self.get_object(request, object_id)  # scoped; None answers 404 in Django's view
        context = {"polling_status": polling_status(mailbox)} if mailbox is not None else {}
        if mailbox is not None:
            context["polling_condition"] = health.condition_of(mailbox)
        return super().change_view(request, object_id, form_url, (extra_context or {}) | context)

    @admin.display(description=gettext_lazy("last error"))
    def shown_last_error(self, obj):
        shown = in_reader_language(obj.last_error[:4000])
        return bounded(fit_to_show(shown, keep_lines=True), 2000)  # a server's words

    @admin.display(description=gettext_lazy("buffers' last polls"))
    def buffer_problems(self, obj):
        """What the mailbox's buffers last failed with: a folder's or the portal's own problem shows here
        too, without the mailbox itself being marked failing."""
        failing = [
            (b.name, bounded(fit_to_show(in_reader_language(b.last_error[:2000])), 500))
            for b in obj.buffers.exclude(last_error="")[:20]
        ]
        if not failing:
            return _("No problems.")
        return format_html(
            '<ul class="buffer-problems">{}</ul>',
            format_html_join(
                "",
                "<li>{}: {}</li>",
                (
                    (name, bounded(fit_to_show(in_reader_language(error[:2000])), 500))
                    for name, error in failing
                ),
            ),
        )

    @admin.display(description=gettext_lazy("folders"))
    def folder_tree(self, obj):
        if not obj.folders:
            return _("Not fetched yet: run the connection test.")
        return format_html(
            '<ul class="folder-tree">{}</ul>',
            format_html_join(
                "",
                '<li style="margin-left:{}em">{}</li>',
                ((f["depth"] * 1.2, f["name"]) for f in obj.folders),
            ),
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        report = form.connection_report
        if report is not None:  # the form checked these very values before saving
            checking.record_check(obj, report)
            messages.success(request, report.message)
        if form.signed_out:
            # The tokens were for another server or app: the mailbox waits for a new sign-in, visibly.
            state.record_failure(obj, SignInRequired(SIGNED_OUT))
            messages.warning(request, SIGNED_OUT)

    # -- buttons next to the form ------------------------------------------------------------------

    def get_urls(self):
        def view(function, name):
            return path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(require_POST(function)),
                name=f"mailboxes_mailbox_{name.replace('-', '_')}",
            )

        return [
            view(self.test_view, "test"),
            view(self.authorize_view, "authorize"),
            view(self.send_test_view, "send-test"),
            path(
                "test-typed/",
                self.admin_site.admin_view(require_POST(self.test_typed_view)),
                name="mailboxes_mailbox_test_typed_new",
            ),
            view(self.test_typed_view, "test-typed"),
            *super().get_urls(),
        ]

    def _editable(self, request, object_id) -> Mailbox:
        mailbox = self.get_object(request, object_id)  # scoped to the administrator's tenant
        if mailbox is None or not self.has_change_permission(request, mailbox):
            raise Http404
        return mailbox

    def _back(self, mailbox):
        return HttpResponseRedirect(reverse("admin:mailboxes_mailbox_change", args=[mailbox.pk]))

    def test_view(self, request, object_id):
        mailbox = self._editable(request, object_id)
        report = checking.check_connection(mailbox)
        messages.add_message(request, messages.SUCCESS if report.ok else messages.ERROR, report.message)
        return self._back(mailbox)

    def test_typed_view(self, request, object_id=None):
        """Test connection on the Add or change page: the typed values, validated by the form and tested
        without saving anything; answers JSON, so the typed password stays in its field."""
        if object_id is None:
            if not self.has_add_permission(request):
                raise Http404
            mailbox = None
        else:
            mailbox = self._editable(request, object_id)
        # Name and footer play no part in a connection: a blank or taken name must not block the test.
        fields = [f for f in MailboxForm.Meta.fields if f not in ("name", "automat")]
        form_class = self.get_form(request, mailbox, change=mailbox is not None, fields=fields)
        form = form_class(request.POST, instance=mailbox or Mailbox())
        return JsonResponse(checking.report_json(checking.check_typed(form)))

    def authorize_view(self, request, object_id):
        mailbox = self._editable(request, object_id)
        if not mailbox.is_delegated:
            messages.error(request, _("Authorize is for Microsoft OAuth 2.0 with delegated sign-in."))
            return self._back(mailbox)
        try:
            flow = sign_in.begin_sign_in(mailbox, redirect_uri=sign_in_redirect_uri(request))
        except MailConnectionError as error:
            messages.error(request, str(error))
            return self._back(mailbox)
        remember_sign_in_flow(request, mailbox, flow)
        return redirect(flow["auth_uri"])

    def send_test_view(self, request, object_id):
        mailbox = self._editable(request, object_id)
        to = getattr(request.employee, "email", "") or request.user.email
        if mailbox.purpose != Mailbox.Purpose.OUTGOING or not to:
            messages.error(
                request, _("A test message needs an outgoing mailbox and an e-mail address on your profile.")
            )
            return self._back(mailbox)
        try:
            outgoing.send_test_message(mailbox, to=to, language=language_of(mailbox.tenant_id))
        except MailConnectionError as error:
            state.record_failure(mailbox, error)
            messages.error(request, str(error))
        else:
            state.record_success(mailbox)
            messages.success(request, _("A test message was sent to %(to)s.") % {"to": to})
        return self._back(mailbox)

    @admin.action(description=gettext_lazy("Test connection of the selected mailboxes"))
    def test_selected(self, request, queryset):
        for mailbox in queryset:
            report = checking.check_connection(mailbox)
            level = messages.SUCCESS if report.ok else messages.ERROR
            messages.add_message(request, level, f"{mailbox.name}: {report.message}")
