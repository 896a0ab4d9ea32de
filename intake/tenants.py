"""Creating tenants and their employees: used by the management commands and the demo seed."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from intake.models import Employee, Tenant


@transaction.atomic
def create_tenant(*, name: str, slug: str = "") -> Tenant:
    slug = slug or slugify(name)
    tenant, _ = Tenant.objects.get_or_create(slug=slug, defaults={"name": name})
    return tenant


@transaction.atomic
def add_employee(
    *,
    tenant: Tenant,
    username: str,
    role: str,
    password: str | None = None,
    email: str = "",
    display_name: str = "",
    is_active: bool = True,
) -> Employee:
    """Make `username` an employee of `tenant`, creating the login if it does not exist yet.

    An existing user keeps their password unless a new one is given: one person may work for several
    tenants with one login.
    """
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    if password is not None:
        user.set_password(password)
        user.save(update_fields=["password"])
    elif created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    # all_tenants: commands create employees outside any request; the tenant is explicit here.
    employee, _ = Employee.all_tenants.update_or_create(
        tenant=tenant,
        user=user,
        defaults={
            "role": role,
            "email": email or user.email,
            "display_name": display_name,
            "is_active": is_active,
        },
    )
    return employee
