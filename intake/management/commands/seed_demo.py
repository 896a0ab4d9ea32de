import secrets

from django.core.management.base import BaseCommand

from intake.models import Employee
from intake.tenants import add_employee, create_tenant

DEMO_USERS = [
    ("demo-admin", Employee.Role.ADMINISTRATOR, "Demo Administrator"),
    ("demo-operator", Employee.Role.OPERATOR, "Demo Operator"),
]


class Command(BaseCommand):
    help = (
        "Create (or refresh) the demo tenant with an administrator and an operator, and print their logins."
    )

    def handle(self, *args, **options):
        tenant = create_tenant(name="Demo Company", slug="demo")
        self.stdout.write(self.style.SUCCESS(f"Demo tenant: {tenant.name}"))
        for username, role, display_name in DEMO_USERS:
            # New passwords on every run: the demo never ships a known password.
            password = secrets.token_urlsafe(9)
            add_employee(
                tenant=tenant, username=username, role=role, password=password, display_name=display_name
            )
            self.stdout.write(f"  {role:<14} login: {username:<14} password: {password}")
