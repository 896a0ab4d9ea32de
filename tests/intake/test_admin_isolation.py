import re

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from acd_points.models import OcrPoint
from intake.admin import site
from intake.tenancy import tenant_context
from mailboxes.models import Mailbox
from tests.builders import BUILDERS, another_employee, make_ocr_point


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


def test_superuser_sees_every_tenants_objects(world_a, world_b, django_user_model, client_for):
    client = client_for(django_user_model.objects.create_superuser("root", "root@example.com", "x"))
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


# -- pages of the shared domain, custom views and actions, recent actions ----------------------------------

NOWHERE = 987654321


def _same_answer(client, path, foreign_id, method="get", data=None):
    """The answers for another tenant's id and for an unused one, told apart only by the id in the URL."""
    answers = []
    for object_id in (foreign_id, NOWHERE):
        url = path.format(id=object_id)
        response = getattr(client, method)(url, data or {})
        body = re.sub(r'value="[^"]*"', "", response.content.decode().replace(url, "<url>"))
        answers.append((response.status_code, response.get("Location", "").replace(url, "<url>"), body))
    return answers[0] == answers[1]


@pytest.mark.parametrize("view", ["change", "delete", "history", "password"])
def test_another_tenants_login_answers_as_an_unused_id(view, world_a, world_b, client_for):
    client = client_for(world_a.admin)
    path = "/admin/auth/user/{id}/" + f"{view}/"
    for method in ("get", "post"):
        assert _same_answer(client, path, world_b.admin.user.pk, method, {"post": "yes"}), (view, method)


@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_a_group_answers_as_an_unused_id_to_tenant_administrators(view, world_a, client_for):
    group = Group.objects.create(name="Platform staff")
    for method in ("get", "post"):
        assert _same_answer(
            client_for(world_a.admin), "/admin/auth/group/{id}/" + f"{view}/", group.pk, method
        )


def _actions():
    for model, model_admin in site._registry.items():
        if hasattr(model, "all_tenants"):
            for action in [*(model_admin.actions or []), "delete_selected"]:
                yield model, action


@pytest.mark.parametrize(("model", "action"), list(_actions()), ids=lambda v: getattr(v, "__name__", v))
def test_admin_actions_on_another_tenants_ids_do_nothing_and_say_nothing(
    model, action, world_a, world_b, client_for
):
    foreign = BUILDERS[model](world_b)
    before = model.all_tenants.filter(pk=foreign.pk).values().get()
    client = client_for(world_a.admin)
    changelist = url(model, "changelist")
    answers = []
    for object_id in (foreign.pk, NOWHERE):
        response = client.post(changelist, {"action": action, "_selected_action": [object_id]}, follow=True)
        answers.append((response.status_code, re.sub(r'value="[^"]*"', "", response.content.decode())))
    assert answers[0] == answers[1]
    assert model.all_tenants.filter(pk=foreign.pk).values().get() == before


@pytest.mark.parametrize("view", ["test", "authorize", "send-test"])
def test_mailbox_buttons_answer_for_another_tenants_mailbox_as_for_an_unused_id(
    view, world_a, world_b, client_for
):
    foreign = BUILDERS[Mailbox](world_b)
    path = "/admin/mailboxes/mailbox/{id}/" + f"{view}/"
    assert _same_answer(client_for(world_a.admin), path, foreign.pk, "post")


def test_view_on_site_finds_only_objects_the_administrator_may_see(world_a, world_b, client_for):
    from acd_points.models import AcdPoint

    content_type = ContentType.objects.get_for_model(AcdPoint)
    foreign = BUILDERS[AcdPoint](world_b)
    path = f"/admin/r/{content_type.pk}/" + "{id}/"
    assert _same_answer(client_for(world_a.admin), path, foreign.pk)


def test_tenant_administrator_opens_their_own_tenants_change_page(world_a, client_for):
    response = client_for(world_a.admin).get(reverse("admin:intake_tenant_change", args=[world_a.tenant.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    # Every other field, those added later too, is read-only; requiring two factors is theirs to decide.
    assert list(form.fields) == ["name", "require_admin_two_factor"]
    assert response.context["adminform"].prepopulated_fields == []


def test_superuser_edits_every_field_of_a_tenant_with_the_slug_prepopulated(
    world_a, django_user_model, client_for
):
    client = client_for(django_user_model.objects.create_superuser("root", "root@example.com", "x"))
    response = client.get(reverse("admin:intake_tenant_change", args=[world_a.tenant.pk]))
    assert response.status_code == 200
    assert {"name", "slug", "is_active"} <= set(response.context["adminform"].form.fields)
    assert response.context["adminform"].prepopulated_fields


def _admin_work_in(client, tenant, *, rename, delete):
    """Rename and delete an OCR point of `tenant` through the admin, working in that tenant."""
    client.post(reverse("switch-tenant"), {"tenant": tenant.pk})
    kept = make_ocr_point(tenant, name=f"{rename} (old)")
    doomed = make_ocr_point(tenant, name=delete)
    change = reverse("admin:acd_points_ocrpoint_change", args=[kept.pk])
    client.post(change, {"name": rename, "folder": "ocr"}, follow=True)
    client.post(reverse("admin:acd_points_ocrpoint_delete", args=[doomed.pk]), {"post": "yes"}, follow=True)
    assert not OcrPoint.all_tenants.filter(pk=doomed.pk).exists()


def _recent_actions(client):
    """The names listed under "Recent actions" on the admin's index."""
    page = client.get(reverse("admin:index")).content.decode()
    module = page[page.index('id="recent-actions-module"') :]
    module = module[: module.index("</div>")]
    return re.findall(r"</span>\s*(?:<a [^>]*>)?\s*([^<]+?)\s*(?:</a>)?\s*<br>", module)


def test_recent_actions_name_only_the_tenant_being_worked_in(world_a, world_b, client_for):
    another_employee(world_b, "drifter", role="administrator")
    both = another_employee(world_a, "drifter", role="administrator")
    client = client_for(both)
    _admin_work_in(client, world_b.tenant, rename="Beta OCR renamed", delete="Beta OCR deleted")
    assert _recent_actions(client) == ["Beta OCR deleted", "Beta OCR renamed"]  # working in beta
    _admin_work_in(client, world_a.tenant, rename="Alpha OCR renamed", delete="Alpha OCR deleted")
    assert _recent_actions(client) == ["Alpha OCR deleted", "Alpha OCR renamed"]


def test_recent_actions_forget_a_tenant_the_employee_left(world_a, world_b, client_for):
    former = another_employee(world_b, "mover", role="administrator")
    client = client_for(former)
    _admin_work_in(client, world_b.tenant, rename="Beta OCR renamed", delete="Beta OCR deleted")
    type(former).all_tenants.filter(pk=former.pk).update(is_active=False)
    another_employee(world_a, "mover", role="administrator")
    client.post(reverse("admin:intake_tenant_change", args=[world_a.tenant.pk]), {"name": "Alpha"})
    assert _recent_actions(client) == ["Alpha"]
