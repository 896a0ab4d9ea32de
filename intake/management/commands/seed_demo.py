"""The demo tenant for `make run`: an administrator and an operator, made once and then left alone.

`make run` seeds on every start, so a re-run must keep what exists: passwords (and with them every signed-in
session), e-mail addresses, names and roles an administrator changed. A password is made only for a login
that does not exist yet; it is printed and kept in var/demo-logins.json (mode 0600) so later runs can print
it again while it still works.
"""

import json
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.management.base import BaseCommand

from intake.models import Employee
from intake.tenants import add_employee, create_tenant

# (login, role, display name, e-mail): addresses that look real, so notifications have somewhere to go.
DEMO_USERS = [
    ("demo-admin", Employee.Role.ADMINISTRATOR, "Demo Administrator", "admin@demo.example"),
    ("demo-operator", Employee.Role.OPERATOR, "Demo Operator", "operator@demo.example"),
]
LOGINS_FILE = "demo-logins.json"


def logins_file() -> Path:
    return Path(settings.VAR_DIR) / LOGINS_FILE


def remembered_logins() -> dict[str, str]:
    try:
        return json.loads(logins_file().read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def remember_logins(logins: dict[str, str]) -> None:
    path = logins_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # also when an older file had looser rights
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(logins, handle, indent=2)


def seed_demo_user(tenant, username: str, role: str, display_name: str, email: str) -> str | None:
    """Make the demo login and membership if missing; return the new password, None for an existing login."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        password = secrets.token_urlsafe(9)
        add_employee(
            tenant=tenant,
            username=username,
            role=role,
            password=password,
            email=email,
            display_name=display_name,
        )
        return password
    # all_tenants: a command outside any request; the tenant is explicit.
    employee = Employee.all_tenants.filter(tenant=tenant, user=user).first()
    if employee is None:  # the membership was removed: back, with the login's password untouched
        add_employee(tenant=tenant, username=username, role=role, email=email, display_name=display_name)
    elif not employee.email and not user.email:
        # Seeded by an older version, which left it empty: notifications reached nobody.
        employee.email = email
        employee.save(update_fields=["email"])
    return None


class Command(BaseCommand):
    help = (
        "Create the demo tenant with an administrator and an operator, and print their logins. "
        "Run again, it keeps what exists (passwords, e-mail addresses, sessions)."
    )

    def handle(self, *args, **options):
        tenant = create_tenant(name="Demo Company", slug="demo")
        self.stdout.write(self.style.SUCCESS(f"Demo tenant: {tenant.name}"))
        logins = remembered_logins()
        new = {}
        for username, role, display_name, email in DEMO_USERS:
            password = seed_demo_user(tenant, username, role, display_name, email)
            if password is not None:
                new[username] = password
            shown = self.password_line(username, new, logins)
            self.stdout.write(f"  {role:<14} login: {username:<14} {shown}")
        if new:
            remember_logins(logins | new)

    def password_line(self, username: str, new: dict, logins: dict) -> str:
        if username in new:
            return f"password: {new[username]}"
        known = logins.get(username)
        user = get_user_model().objects.get(username=username)
        # check_password from hashers, not the user's: it never rewrites the stored hash.
        if known and check_password(known, user.password):
            return f"password: {known}"
        return (
            "password: unchanged (the one printed the first time); "
            f"reset with: .venv/bin/python manage.py changepassword {username}"
        )
