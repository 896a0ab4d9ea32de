"""API tokens in the admin: administrators issue them for their employees and revoke them.

The secret is shown once, on the page that answers the save, and rendered there directly rather than
after a redirect: a redirect would carry it through the messages cookie or session.
"""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from acd_points.api import tokens
from acd_points.models import ApiToken
from intake.admin import TenantAdminMixin, site

SHOWN_ON_CHANGE = ["employee", "name", "prefix", "created_at", "last_used_at", "is_revoked"]


@admin.register(ApiToken, site=site)
class ApiTokenAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["name", "employee", "prefix", "created_at", "last_used_at", "is_revoked"]
    list_filter = ["is_revoked"]
    search_fields = ["name", "prefix", "employee__display_name", "employee__user__username"]
    actions = ["revoke"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("employee__user")

    def get_fields(self, request, obj=None):
        return ["employee", "name"] if obj is None else SHOWN_ON_CHANGE

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else SHOWN_ON_CHANGE

    def has_change_permission(self, request, obj=None):
        return False  # a token is issued, used and revoked; never edited

    def save_model(self, request, obj, form, change):
        if not change:
            obj._shown_once = tokens.arm(obj)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        back = reverse("admin:acd_points_apitoken_changelist", current_app=self.admin_site.name)
        messages.success(
            request,
            format_html(
                '{} <code style="user-select: all">{}</code><br>{} <a href="{}">{}</a>',
                _("API token “%(name)s” created for %(employee)s. Copy it now; it is shown only this once:")
                % {"name": obj.name, "employee": obj.employee},
                obj._shown_once,
                _("The portal keeps only its prefix and a hash."),
                back,
                _("Back to API tokens"),
            ),
        )
        response = TemplateResponse(
            request,
            "admin/base_site.html",
            {**self.admin_site.each_context(request), "title": _("API token created")},
        )
        add_never_cache_headers(response)
        return response

    @admin.action(description=_("Revoke selected API tokens"))
    def revoke(self, request, queryset):
        count = tokens.revoke(token_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", count) % {"n": count},
            messages.SUCCESS,
        )
