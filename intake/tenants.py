"""Creating tenants and their employees: used by the management commands and the demo seed."""

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from intake.files import fit_to_show
from intake.models import Employee, Tenant

# Controls and line or paragraph separators: a name goes into mail headers, where a line break is refused
# (every later notification to that employee or of that company would fail).
_NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def shown_name(value: str | None) -> str:
    """A company's or an employee's name as stored: refused (ValidationError) unless it is one line
    without control characters; invisible characters that disguise text (bidi overrides, zero-width
    characters) are removed."""
    value = value or ""
    if _NOT_ONE_LINE.search(value):
        raise ValidationError(
            _("A name must be a single line without control characters (no line breaks or tabs)."),
            code="not_one_line",
        )
    return fit_to_show(value).strip()


@transaction.atomic
def create_tenant(*, name: str, slug: str = "") -> Tenant:
    name = shown_name(name)
    if not name:
        raise ValidationError(_("A company needs a name."), code="required")
    slug = slug or slugify(name)
    tenant, _created = Tenant.objects.get_or_create(slug=slug, defaults={"name": name})
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
    tenants with one login. A display name that is not one line is refused (see shown_name).
    """
    display_name = shown_name(display_name)
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    if password is not None:
        user.set_password(password)
        user.save(update_fields=["password"])
    elif created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    # all_tenants: commands create employees outside any request; the tenant is explicit here.
    employee, _created = Employee.all_tenants.update_or_create(
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
