from django.core.management.base import BaseCommand, CommandError

from acd_points.api import tokens
from intake.models import Employee


class Command(BaseCommand):
    help = "Issue an API token for an employee and print it (it is shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("--employee", type=int, required=True, help="The employee's id (not the user's)")
        parser.add_argument("--name", required=True, help="What uses the token, e.g. 'ERP production'")

    def handle(self, *args, employee, name, **options):
        # all_tenants: a server command names any tenant's employee.
        found = Employee.all_tenants.select_related("tenant", "user").filter(pk=employee).first()
        if found is None:
            raise CommandError(f"No employee with id {employee}.")
        if not (found.is_active and found.user.is_active and found.tenant.is_active):
            raise CommandError(f"Employee {found} or their company is inactive; a token would not work.")
        token, raw = tokens.issue(employee=found, name=name)
        self.stderr.write(f"Token '{token.name}' for {found} at {found.tenant.name} (prefix {token.prefix}).")
        # Alone on stdout, so scripts can capture it; the portal keeps only a hash.
        self.stdout.write(raw)
