"""What every page's template needs: the request's tenant, employee and the switcher's memberships."""


def tenancy(request):
    return {
        "current_tenant": getattr(request, "tenant", None),
        "current_employee": getattr(request, "employee", None),
        "memberships": getattr(request, "memberships", []),
    }
