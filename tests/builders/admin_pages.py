"""More objects of any model registered in the admin, for its pages' counts."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from intake.models import Employee, Tenant
from tests.builders import sequence
from tests.builders.per_model import BUILDERS
from tests.builders.tenants import another_employee


def more_of(model, world, count: int) -> None:
    """`count` new objects of `model`, each with a name of its own (tenant-owned ones in `world`'s tenant)."""
    for _ in range(count):
        number = next(sequence.numbers)
        if model is Employee:
            another_employee(world, f"clerk-{number}")
        elif model is Tenant:
            Tenant.objects.create(name=f"Company {number}", slug=f"company-{number}")
        elif model is Group:
            Group.objects.create(name=f"group {number}")
        elif model is get_user_model():
            get_user_model().objects.create_user(f"login-{number}")
        else:
            BUILDERS[model](world)
