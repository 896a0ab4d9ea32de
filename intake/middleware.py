"""The request's tenant and employee, resolved once per request and activated for everything it runs."""

from intake.models import Employee
from intake.tenancy import EVERY_TENANT, SESSION_KEY, tenant_context


class CurrentTenantMiddleware:
    """Resolves `request.tenant` and `request.employee` and activates the tenant for the request.

    The tenant is the one chosen with the switcher (kept in the session) if the user still belongs to
    it, otherwise the user's first active membership. Superusers without a membership act in
    platform scope.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = request.employee = None
        request.memberships = []
        scope = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.memberships = list(
                # all_tenants: a login's memberships span tenants; this is what picks the request's one.
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
                scope = EVERY_TENANT
        if scope is None:
            # Anonymous, or a user with no tenant: tenant-scoped queries must fail, not leak.
            return self.get_response(request)
        with tenant_context(scope):
            return self.get_response(request)
