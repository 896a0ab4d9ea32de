import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from acd_points.models import ApiToken

POINTS = reverse("api:points")
TOKEN = re.compile(r"ipt_[0-9a-f]{12}\.[A-Za-z0-9_-]{43}")


def _add_in_admin(client, employee, name="ERP production"):
    return client.post(reverse("admin:acd_points_apitoken_add"), {"employee": employee.pk, "name": name})


def test_the_admin_shows_a_new_token_once_and_it_works(client_for, world_a, point, anonymous_api_client):
    response = _add_in_admin(client_for(world_a.admin), world_a.operator)
    assert response.status_code == 200
    [raw] = TOKEN.findall(response.content.decode())
    token = ApiToken.all_tenants.get()
    assert (token.employee, token.tenant, token.name) == (world_a.operator, world_a.tenant, "ERP production")
    assert raw.startswith(token.prefix + ".")
    assert anonymous_api_client(raw).get(POINTS).status_code == 200


def test_the_secret_never_travels_in_a_cookie_nor_shows_again(client_for, world_a):
    client = client_for(world_a.admin)
    response = _add_in_admin(client, world_a.operator)
    [raw] = TOKEN.findall(response.content.decode())
    secret = raw.partition(".")[2]
    assert "no-store" in response["Cache-Control"]
    assert all(secret not in morsel.value for morsel in response.cookies.values())
    token = ApiToken.all_tenants.get()
    for url in (
        reverse("admin:acd_points_apitoken_changelist"),
        reverse("admin:acd_points_apitoken_change", args=[token.pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert token.prefix in page.content.decode() and secret not in page.content.decode()


def test_an_administrator_cannot_issue_a_token_for_another_companys_employee(client_for, world_a, world_b):
    response = _add_in_admin(client_for(world_a.admin), world_b.admin)
    assert response.status_code == 200 and "valid choice" in response.content.decode()
    assert not ApiToken.all_tenants.exists()


def test_revoking_in_the_admin_ends_api_access(client_for, world_a, point, anonymous_api_client):
    admin = client_for(world_a.admin)
    [raw] = TOKEN.findall(_add_in_admin(admin, world_a.operator).content.decode())
    token = ApiToken.all_tenants.get()
    response = admin.post(
        reverse("admin:acd_points_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.is_revoked
    assert anonymous_api_client(raw).get(POINTS).status_code == 401


def test_an_operator_cannot_issue_tokens(client_for, world_a):
    response = _add_in_admin(client_for(world_a.operator), world_a.operator)
    assert response.status_code in (302, 403)
    assert not ApiToken.all_tenants.exists()


def test_the_command_prints_a_working_token(world_a, point, anonymous_api_client):
    out, err = StringIO(), StringIO()
    call_command(
        "create_api_token", "--employee", str(world_a.operator.pk), "--name", "ERP", stdout=out, stderr=err
    )
    raw = out.getvalue().strip()
    assert TOKEN.fullmatch(raw)
    assert "Operator alpha" in err.getvalue()
    assert ApiToken.all_tenants.get().employee == world_a.operator
    assert anonymous_api_client(raw).get(POINTS).status_code == 200


@pytest.mark.parametrize("employee_id", [987654321, "inactive"])
def test_the_command_refuses_unknown_or_inactive_employees(world_a, employee_id):
    if employee_id == "inactive":
        type(world_a.operator).all_tenants.filter(pk=world_a.operator.pk).update(is_active=False)
        employee_id = world_a.operator.pk
    with pytest.raises(CommandError):
        call_command("create_api_token", "--employee", str(employee_id), "--name", "ERP", stdout=StringIO())
    assert not ApiToken.all_tenants.exists()
