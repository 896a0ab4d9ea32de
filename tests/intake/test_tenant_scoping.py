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


def test_a_queryset_built_outside_any_tenant_uses_the_tenant_active_when_it_runs(world_a, world_b):
    built_at_import_time = Employee.objects.all()  # as a form field's queryset is
    with tenant_context(world_b.tenant):
        assert set(built_at_import_time) == {world_b.admin, world_b.operator}
    with pytest.raises(TenantNotActive):
        list(built_at_import_time.all())


def test_scoped_querysets_work_as_subqueries_in_platform_scope(world_a, world_b):
    with platform_context():
        assert Employee.all_tenants.filter(pk__in=Employee.objects.values("pk")).count() == 4
