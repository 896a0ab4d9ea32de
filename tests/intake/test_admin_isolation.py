import pytest
from django.test import Client
from django.urls import reverse

from intake.admin import site
from intake.tenancy import tenant_context
from tests.builders import BUILDERS


def tenant_owned_admin_models():
    return [model for model in site._registry if hasattr(model, "all_tenants")]


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_tenant_owned_admin_model_is_covered_by_these_tests():
    missing = [m.__name__ for m in tenant_owned_admin_models() if m not in BUILDERS]
    assert missing == []


@pytest.mark.parametrize("model", tenant_owned_admin_models(), ids=lambda m: m.__name__)
def test_change_list_shows_only_the_administrators_tenant(model, world_a, world_b, client_for):
    own, foreign = BUILDERS[model](world_a), BUILDERS[model](world_b)
    response = client_for(world_a.admin).get(url(model, "changelist"))
    assert response.status_code == 200
    shown = set(response.context["cl"].queryset)
    assert own in shown
    assert foreign not in shown
    assert all(obj.tenant_id == world_a.tenant.pk for obj in shown)


@pytest.mark.parametrize("model", tenant_owned_admin_models(), ids=lambda m: m.__name__)
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_another_tenants_object_answers_404_by_guessed_id(model, view, world_a, world_b, client_for):
    foreign = BUILDERS[model](world_b)
    client = client_for(world_a.admin)
    # A read-only admin refuses changes with 403 before looking the object up; either way the answer
    # must be the same as for an id that does not exist at all, so nothing is learnt by guessing.
    for method in (client.get, client.post):
        answer = method(url(model, view, foreign.pk), {"post": "yes"}).status_code
        assert answer in (403, 404)
        assert answer == method(url(model, view, 987654321), {"post": "yes"}).status_code
    assert client.get(url(model, "change", foreign.pk)).status_code == 404  # viewing is allowed: so 404
    assert type(foreign).all_tenants.filter(pk=foreign.pk).exists()


@pytest.mark.parametrize("model", tenant_owned_admin_models(), ids=lambda m: m.__name__)
def test_own_object_change_page_opens(model, world_a, client_for):
    own = BUILDERS[model](world_a)
    assert client_for(world_a.admin).get(url(model, "change", own.pk)).status_code == 200


def test_superuser_sees_every_tenants_objects(world_a, world_b, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    client = Client()
    client.force_login(root)
    for model in tenant_owned_admin_models():
        own, foreign = BUILDERS[model](world_a), BUILDERS[model](world_b)
        shown = set(client.get(url(model, "changelist")).context["cl"].queryset)
        assert {own, foreign} <= shown
        assert client.get(url(model, "change", foreign.pk)).status_code == 200


def test_operator_never_sees_the_admin(world_a, client_for):
    client = client_for(world_a.operator)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain
    assert response.request["PATH_INFO"] == reverse("dashboard")
    assert client.get(url(type(world_a.operator), "change", world_a.operator.pk)).status_code == 302


def test_tenant_administrator_sees_and_edits_only_their_own_tenant(world_a, world_b, client_for):
    client = client_for(world_a.admin)
    shown = set(client.get(reverse("admin:intake_tenant_changelist")).context["cl"].queryset)
    assert shown == {world_a.tenant}
    assert client.get(reverse("admin:intake_tenant_change", args=[world_b.tenant.pk])).status_code == 404
    assert client.get(reverse("admin:intake_tenant_add")).status_code == 403
    client.post(
        reverse("admin:intake_tenant_change", args=[world_a.tenant.pk]),
        {"name": "Alpha renamed", "slug": "hijack", "is_active": ""},
    )
    world_a.tenant.refresh_from_db()
    assert (world_a.tenant.name, world_a.tenant.slug, world_a.tenant.is_active) == (
        "Alpha renamed",
        "alpha",
        True,
    )


def test_tenant_administrator_cannot_open_user_or_group_pages(world_a, client_for):
    client = client_for(world_a.admin)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_employee_added_by_a_tenant_administrator_belongs_to_their_tenant(world_a, world_b, client_for):
    client = client_for(world_a.admin)
    response = client.post(
        reverse("admin:intake_employee_add"),
        {
            "username": "new-clerk",
            "password": "a-long-enough-passphrase-42",
            "display_name": "New Clerk",
            "email": "clerk@alpha.example",
            "role": "operator",
            "is_active": "on",
            # A forged tenant in the form is ignored: the field is not editable.
            "tenant": world_b.tenant.pk,
        },
    )
    assert response.status_code == 302
    new = type(world_a.admin).all_tenants.get(user__username="new-clerk")
    assert new.tenant == world_a.tenant
    assert new.user.check_password("a-long-enough-passphrase-42")


def test_foreign_key_choices_offer_only_the_tenants_own_objects(world_a, world_b, rf):
    from intake.admin import DocumentAdmin
    from intake.models import Document

    request = rf.get("/")
    request.user, request.employee, request.tenant = world_a.admin.user, world_a.admin, world_a.tenant
    with tenant_context(world_a.tenant):  # as the middleware does for every request
        field = DocumentAdmin(Document, site).formfield_for_foreignkey(
            Document._meta.get_field("created_by"), request
        )
    assert set(field.queryset) == {world_a.admin, world_a.operator}
    with pytest.raises(Exception, match="valid choice"):
        field.clean(world_b.operator.pk)
