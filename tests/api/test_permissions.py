import pytest
from django.urls import reverse

from intake.models import Employee
from intake.tenants import add_employee
from mailboxes.models import Message
from tests.api.client import call


@pytest.fixture
def stranger(world_a):
    """An operator of alpha who was not granted the point."""
    return add_employee(tenant=world_a.tenant, username="stranger", role=Employee.Role.OPERATOR, password="x")


def test_an_operator_not_granted_the_point_gets_404_on_all_of_its_endpoints(
    alpha, stranger, make_point, api_client_for
):
    own = make_point(name="Stranger's own point", employees=[stranger])
    client = api_client_for(stranger)
    for method, url, body in alpha.endpoints():
        assert call(client, method, url, body).status_code == 404, url
    assert Message.all_tenants.get(pk=alpha.mail.pk).state == Message.State.NEW
    assert [p["id"] for p in client.get(reverse("api:points")).json()] == [own.pk]
    assert client.get(reverse("api:documents")).json()["results"] == []


def test_an_operator_granted_the_point_reaches_all_of_its_endpoints(alpha, world_a, api_client_for):
    client = api_client_for(world_a.operator)
    answers = [call(client, method, url, body).status_code for method, url, body in alpha.endpoints()]
    assert answers == [200, 200, 200, 200, 201, 200, 200]


def test_an_administrator_sees_every_point_of_their_company(
    alpha, world_a, world_b, make_point, api_client_for
):
    other = make_point(name="Not granted to anybody")
    names = [p["name"] for p in api_client_for(world_a.admin).get(reverse("api:points")).json()]
    assert names == sorted([alpha.point.name, other.name])
    client = api_client_for(world_a.admin)
    assert client.get(reverse("api:point-mails", args=[other.pk])).status_code == 200
    assert client.get(reverse("api:document", args=[alpha.document.pk])).status_code == 200


def test_an_employee_without_any_point_has_no_api_area(alpha, stranger, api_client_for):
    client = api_client_for(stranger)
    assert client.get(reverse("api:points")).status_code == 404
    assert client.get(reverse("api:documents")).status_code == 404


def test_losing_the_point_closes_it_at_once(alpha, world_a, api_client_for):
    client = api_client_for(world_a.operator)
    url = reverse("api:point-mails", args=[alpha.point.pk])
    assert client.get(url).status_code == 200
    alpha.point.employees.through.objects.filter(acdpoint=alpha.point).delete()
    assert client.get(url).status_code == 404
