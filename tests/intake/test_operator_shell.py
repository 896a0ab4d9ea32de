import pytest
from django.test import Client
from django.urls import reverse

from intake.tenancy import SESSION_KEY
from intake.tenants import add_employee
from tests.builders import PASSWORD


def test_anonymous_visitor_is_sent_to_login(db):
    response = Client().get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_with_password_opens_the_dashboard_of_the_employees_tenant(world_a):
    client = Client()
    response = client.post(
        reverse("login"), {"username": "alpha-operator", "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert "Company ALPHA" in response.content.decode()


def test_logout_ends_the_session(world_a, client_for):
    client = client_for(world_a.operator)
    client.post(reverse("logout"))
    assert client.get(reverse("dashboard")).status_code == 302


def test_switching_to_a_tenant_of_ones_own_changes_the_current_tenant(world_a, world_b, client_for):
    add_employee(tenant=world_b.tenant, username="alpha-operator", role="operator")
    client = client_for(world_a.operator)
    page = client.get(reverse("dashboard")).content.decode()
    assert "Company ALPHA" in page and "Company BETA" in page  # the switcher offers both
    client.post(reverse("switch-tenant"), {"tenant": world_b.tenant.pk, "next": "/"})
    assert "You are working for Company BETA" in client.get(reverse("dashboard")).content.decode()


def test_switching_to_another_companys_tenant_answers_404(world_a, world_b, client_for):
    client = client_for(world_a.operator)
    response = client.post(reverse("switch-tenant"), {"tenant": world_b.tenant.pk})
    assert response.status_code == 404
    assert client.session.get(SESSION_KEY) is None


def test_forged_session_tenant_is_ignored(world_a, world_b, client_for):
    client = client_for(world_a.operator)
    session = client.session
    session[SESSION_KEY] = world_b.tenant.pk
    session.save()
    assert "You are working for Company ALPHA" in client.get(reverse("dashboard")).content.decode()


def test_switch_refuses_to_redirect_off_site(world_a, client_for):
    client = client_for(world_a.operator)
    response = client.post(
        reverse("switch-tenant"), {"tenant": world_a.tenant.pk, "next": "https://evil.example/"}
    )
    assert response.url == reverse("dashboard")


def test_profile_edits_only_the_employee_of_the_current_tenant(world_a, world_b, client_for):
    client = client_for(world_a.operator)
    client.post(reverse("profile"), {"display_name": "Renamed", "email": "new@alpha.example"})
    world_a.operator.refresh_from_db()
    world_b.operator.refresh_from_db()
    assert world_a.operator.display_name == "Renamed"
    assert world_b.operator.display_name == "Operator beta"


@pytest.mark.parametrize(("accept_language", "expected"), [("pl", "Zaloguj się"), ("en", "Log in")])
def test_pages_speak_the_browsers_language(db, accept_language, expected):
    response = Client(headers={"accept-language": accept_language}).get(reverse("login"))
    assert expected in response.content.decode()


def test_language_code_setting_selects_polish_by_default(db, settings):
    settings.LANGUAGE_CODE = "pl"
    assert "Zaloguj się" in Client().get(reverse("login")).content.decode()
