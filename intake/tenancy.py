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
import functools
import inspect
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import models

EVERY_TENANT = object()  # platform scope: no tenant filter at all
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


@dataclass(frozen=True)
class _TenantRef:
    pk: int


def acting_for(tenant_id: int):
    """Make the tenant with this id active without loading it: services that act for one tenant (on its
    mailbox, buffer or notifications) enter this, so their queries use the scoped manager whoever calls
    them (a request, a worker, a command)."""
    return tenant_context(_TenantRef(tenant_id))


def acts_for(argument: str):
    """Decorator for a service that acts for one tenant: the tenant of its argument `argument` (a
    tenant-owned row, a Tenant, or a tenant id) is active while it runs, whoever calls it."""

    def decorate(function):
        signature = inspect.signature(function)

        @functools.wraps(function)
        def run(*args, **kwargs):
            value = signature.bind_partial(*args, **kwargs).arguments[argument]
            tenant_id = value if isinstance(value, int) else getattr(value, "tenant_id", None) or value.pk
            with acting_for(tenant_id):
                return function(*args, **kwargs)

        return run

    return decorate


def platform_context():
    """Scope for platform-level code and superusers: tenant-scoped managers filter nothing."""
    return tenant_context(EVERY_TENANT)


class _ActiveTenantId(models.Expression):
    """The active tenant's id, looked up when the query runs, not when it is built.

    Django builds querysets long before it runs them (form fields at import time, querysets kept on
    classes); deciding at execution means the tenant of the context that *runs* the query applies, so a
    queryset built for one tenant never reads another's rows. A queryset run where no tenant is active
    keeps the tenant it was built in (a request's queryset evaluated after the request), and raises if
    it was built with none. Platform scope: the condition compares the column with itself.
    """

    output_field = models.BigIntegerField()

    def __init__(self):
        super().__init__()
        self.built_for = _active.get()

    def as_sql(self, compiler, connection):
        value = _active.get() or self.built_for
        if value is None:
            raise TenantNotActive("No tenant is active; use tenant_context() or Model.all_tenants.")
        if value is EVERY_TENANT:
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


def manager_for(request, model):
    """The manager a request reads `model` through: the scoped one, which the middleware scoped to the
    request's tenant; every tenant's rows only for platform superusers, who administer them all."""
    if not issubclass(model, TenantOwned):
        return model._default_manager
    return model.all_tenants if request.user.is_superuser else model.objects


def is_tenant_administrator(request) -> bool:
    """The request's employee administers the active tenant (admin access follows this, not is_staff)."""
    employee = getattr(request, "employee", None)
    return bool(employee and employee.is_administrator)
