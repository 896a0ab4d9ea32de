from acd_points.access import has_acd_area


def navigation(request):
    """Whether the ACD area appears in the menu (any point granted, or a tenant administrator)."""
    employee = getattr(request, "employee", None)
    return {"acd_area": has_acd_area(employee) if employee is not None else False}
