import pytest

from intake.models import Employee
from intake.tenancy import TenantNotActive, platform_context, tenant_context


def test_scoped_query_without_an_active_tenant_raises_instead_of_leaking(world_a, world_b):
    with pytest.raises(TenantNotActive):
        list(Employee.objects.all())


def test_scoped_query_sees_only_the_active_tenants_rows(world_a, world_b):
    with tenant_context(world_a.tenant):
        assert set(Employee.objects.all()) == {world_a.admin, world_a.operator}
        assert not Employee.objects.filter(pk=world_b.admin.pk).exists()


def test_platform_context_sees_every_tenant(world_a, world_b):
    with platform_context():
        assert Employee.objects.count() == 4


def test_related_objects_are_deleted_with_their_tenant_without_an_active_tenant(world_a, world_b):
    world_a.tenant.delete()
    assert Employee.all_tenants.count() == 2
