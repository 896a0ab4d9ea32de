"""Row-level tenancy: which tenant a piece of code is acting for, and querysets that obey it.

Every tenant-owned model inherits `TenantOwned`. Its default manager, `objects`, filters by the tenant
that is *active* in the current context and **raises** when none is, so a query that forgot its tenant
fails loudly instead of leaking rows. Requests activate their tenant in `CurrentTenantMiddleware`;
background code activates one with `tenant_context(tenant)` or, when it truly works across tenants
(beat scanning all buffers, platform superusers), uses `Model.all_tenants` or `platform_context()`,
which are easy to find in a review.
"""

from __future__ import annotations

import contextlib
import contextvars

from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.http import Http404

_EVERY_TENANT = object()  # platform scope: no tenant filter at all
_active = contextvars.ContextVar("active_tenant", default=None)

SESSION_KEY = "tenant_id"


class TenantNotActive(ImproperlyConfigured):
    """A tenant-scoped query ran with no tenant active: a bug, never a reason to show everything."""


@contextlib.contextmanager
def tenant_context(tenant):
    token = _active.set(tenant)
    try:
        yield tenant
    finally:
        _active.reset(token)


def platform_context():
    """Scope for platform-level code and superusers: tenant-scoped managers filter nothing."""
    return tenant_context(_EVERY_TENANT)


class _ActiveTenantId(models.Expression):
    """The active tenant's id, looked up when the query runs, not when it is built.

    Django builds querysets long before it runs them (form fields at import time, querysets kept on
    classes); deciding at execution means the tenant of the context that *runs* the query applies.
    No active tenant: the query raises. Platform scope: the condition compares the column with itself.
    """

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection):
        value = _active.get()
        if value is None:
            raise TenantNotActive("No tenant is active; use tenant_context() or Model.all_tenants.")
        if value is _EVERY_TENANT:
            return compiler.compile(compiler.query.resolve_ref("tenant_id"))
        return "%s", [value.pk]


class TenantScopedManager(models.Manager):
    """Default manager of tenant-owned models: always filtered by the tenant active when the query runs."""

    def get_queryset(self):
        return super().get_queryset().filter(tenant_id=_ActiveTenantId())


class TenantOwned(models.Model):
    tenant = models.ForeignKey("intake.Tenant", on_delete=models.CASCADE, related_name="+", editable=False)

    objects = TenantScopedManager()
    all_tenants = models.Manager()  # noqa: DJ012 - after `objects`, which must come first to be the default manager

    class Meta:
        abstract = True
        base_manager_name = "all_tenants"


# -- requests -----------------------------------------------------------------------------------------


class CurrentTenantMiddleware:
    """Resolves `request.tenant` and `request.employee` and activates the tenant for the request.

    The tenant is the one chosen with the switcher (kept in the session) if the user still belongs to
    it, otherwise the user's first active membership. Superusers without a membership act in
    platform scope.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from intake.models import Employee

        request.tenant = request.employee = None
        request.memberships = []
        scope = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.memberships = list(
                Employee.all_tenants.filter(user=user, is_active=True, tenant__is_active=True)
                .select_related("tenant")
                .order_by("tenant__name")
            )
            wanted = request.session.get(SESSION_KEY)
            chosen = next((m for m in request.memberships if m.tenant_id == wanted), None)
            chosen = chosen or (request.memberships[0] if request.memberships else None)
            if chosen is not None:
                request.employee, request.tenant = chosen, chosen.tenant
                scope = chosen.tenant
            elif user.is_superuser:
                scope = _EVERY_TENANT
        if scope is None:
            # Anonymous, or a user with no tenant: tenant-scoped queries must fail, not leak.
            return self.get_response(request)
        with tenant_context(scope):
            return self.get_response(request)


def tenant_context_processor(request):
    return {
        "current_tenant": getattr(request, "tenant", None),
        "current_employee": getattr(request, "employee", None),
        "memberships": getattr(request, "memberships", []),
    }


# -- admin --------------------------------------------------------------------------------------------


def is_tenant_administrator(request) -> bool:
    employee = getattr(request, "employee", None)
    return bool(employee and employee.is_administrator)


class TenantAdminMixin:
    """ModelAdmin mixin restricting a tenant administrator to the objects of their tenant.

    Querysets, foreign-key and many-to-many choices are filtered to the tenant (a guessed id of another
    tenant's object answers 404 and is refused as a choice); new objects are stamped with the tenant.
    Superusers keep seeing everything. Permissions follow the employee's role, not Django's is_staff.
    """

    def _scope(self, request, queryset):
        if request.user.is_superuser:
            return queryset
        if not is_tenant_administrator(request):
            return queryset.none()
        if hasattr(queryset.model, "all_tenants"):
            return queryset.filter(tenant=request.tenant)
        return self.scope_non_tenant_queryset(request, queryset)

    def scope_non_tenant_queryset(self, request, queryset):
        """Override for related models that are not TenantOwned (e.g. users)."""
        return queryset.none()

    def get_queryset(self, request):
        model = self.model
        queryset = model.all_tenants.all() if hasattr(model, "all_tenants") else model._default_manager.all()
        ordering = self.get_ordering(request)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return self._scope(request, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", self._related_queryset(request, db_field))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", self._related_queryset(request, db_field))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _related_queryset(self, request, db_field):
        related = db_field.remote_field.model
        queryset = (
            related.all_tenants.all() if hasattr(related, "all_tenants") else related._default_manager.all()
        )
        return self._scope(request, queryset)

    def save_model(self, request, obj, form, change):
        if not change and getattr(obj, "tenant_id", None) is None and hasattr(type(obj), "all_tenants"):
            obj.tenant = request.tenant
        super().save_model(request, obj, form, change)

    def has_module_permission(self, request):
        return request.user.is_superuser or is_tenant_administrator(request)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index with "doesn't exist"; another tenant's id must look like any 404.
        raise Http404

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_add_permission(self, request):
        # New objects belong to the tenant being worked in; a superuser outside any tenant picks one first.
        return self._allowed(request, None) and request.tenant is not None

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def _allowed(self, request, obj):
        if request.user.is_superuser:
            return True
        if not is_tenant_administrator(request):
            return False
        return obj is None or getattr(obj, "tenant_id", None) == request.tenant.pk


class ReadOnlyTenantInline(TenantAdminMixin, admin.TabularInline):
    """A tenant-scoped inline that only shows rows (attachments of a mail, files of a document)."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TenantAdminSite(admin.AdminSite):
    """The admin, opened to platform superusers and to each tenant's administrators (not to operators)."""

    site_header = "Intake portal administration"
    site_title = "Intake portal"
    index_title = "Administration"

    def has_permission(self, request):
        user = request.user
        return user.is_active and (user.is_superuser or is_tenant_administrator(request))

    def login(self, request, extra_context=None):
        # One login page for everybody; the admin form would demand is_staff, which we do not use.
        from django.contrib.auth.views import redirect_to_login
        from django.shortcuts import redirect

        if request.user.is_authenticated:
            return redirect("dashboard")
        return redirect_to_login(request.GET.get("next", self.index_url()))

    def index_url(self):
        from django.urls import reverse

        return reverse("admin:index", current_app=self.name)
