"""Tenants with an administrator and an operator, and further employees of a tenant."""

from dataclasses import dataclass

from intake.models import Employee, Tenant
from intake.tenants import add_employee, create_tenant

PASSWORD = "correct-horse-battery-staple"


@dataclass
class TenantWorld:
    tenant: Tenant
    admin: Employee
    operator: Employee


def make_tenant_world(slug: str) -> TenantWorld:
    tenant = create_tenant(name=f"Company {slug.upper()}", slug=slug)
    admin = add_employee(
        tenant=tenant,
        username=f"{slug}-admin",
        role=Employee.Role.ADMINISTRATOR,
        password=PASSWORD,
        email=f"admin@{slug}.example",
        display_name=f"Admin {slug}",
    )
    operator = add_employee(
        tenant=tenant,
        username=f"{slug}-operator",
        role=Employee.Role.OPERATOR,
        password=PASSWORD,
        email=f"operator@{slug}.example",
        display_name=f"Operator {slug}",
    )
    return TenantWorld(tenant, admin, operator)


def another_employee(world, username, **fields):
    values = {"role": "operator", "email": f"{username}@{world.tenant.slug}.example"} | fields
    return add_employee(tenant=world.tenant, username=username, **values)
