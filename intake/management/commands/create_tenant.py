import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from intake.models import Employee
from intake.tenants import add_employee, create_tenant


class Command(BaseCommand):
    help = "Create a tenant (client company) and its first administrator."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Company name, e.g. 'Acme Sp. z o.o.'")
        parser.add_argument("--slug", default="", help="URL-safe identifier (default: from the name)")
        parser.add_argument("--admin", required=True, help="Username of the tenant's first administrator")
        parser.add_argument("--email", default="", help="The administrator's e-mail")
        parser.add_argument(
            "--password",
            default=None,
            help="Initial password (default: keep an existing user's, or generate and print one)",
        )

    def handle(self, *args, name, slug, admin, email, password, **options):
        try:
            tenant = create_tenant(name=name, slug=slug)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        generated = None
        from django.contrib.auth import get_user_model

        if password is None and not get_user_model().objects.filter(username=admin).exists():
            password = generated = secrets.token_urlsafe(12)
        add_employee(
            tenant=tenant, username=admin, role=Employee.Role.ADMINISTRATOR, password=password, email=email
        )
        self.stdout.write(self.style.SUCCESS(f"Tenant '{tenant.name}' (slug {tenant.slug}, id {tenant.pk})."))
        self.stdout.write(f"Administrator: {admin}")
        if generated:
            # Printed once, here, for the person creating the tenant; it is stored only as a hash.
            self.stdout.write(f"Initial password: {generated}")
