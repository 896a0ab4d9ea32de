"""Failed sign-ins are throttled per account and per client address (django-axes, intake/sign_in.py), and
administrators see and clear them — a tenant administrator only for their own company's employees."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from intake import sign_in
from tests.builders import PASSWORD, another_employee

LOGIN = reverse("login")
SECURITY = reverse("sign-in-security")
RESET = reverse("sign-in-security-reset")


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_ADDRESS_FAILURE_LIMIT = 8
    settings.AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes
    settings.AXES_TRUSTED_PROXY_COUNT = 0


def sign_in_as(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def signed_in(client) -> bool:
    return client.get(reverse("dashboard")).status_code == 200


def age_failures(minutes):
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(
            attempt_time=attempt.attempt_time - timedelta(minutes=minutes)
        )


def test_thirty_wrong_passwords_lock_the_account_and_even_the_right_one_is_refused(world_a):
    client = Client()
    answers = [sign_in_as(client, "alpha-operator", f"wrong-{n}").status_code for n in range(30)]
    assert answers[:4] == [200] * 4
    assert set(answers[4:]) == {429}
    page = sign_in_as(client, "alpha-operator", PASSWORD)
    assert page.status_code == 429
    assert (
        "Too many failed sign-ins; try again in 15 minutes or ask your administrator."
        in page.content.decode()
    )
    assert not signed_in(client)


def test_the_lock_ends_with_the_cool_off_and_the_page_says_how_long_is_left(world_a):
    client = Client()
    for n in range(5):
        sign_in_as(client, "alpha-operator", f"wrong-{n}")
    age_failures(11)
    page = sign_in_as(client, "alpha-operator", PASSWORD)
    assert "try again in 4 minutes" in page.content.decode()
    age_failures(5)
    assert sign_in_as(client, "alpha-operator", PASSWORD).status_code == 302
    assert signed_in(client)


def test_an_account_is_locked_whatever_address_the_failures_came_from(world_a):
    for n in range(5):
        sign_in_as(Client(REMOTE_ADDR=f"192.0.2.{n + 1}"), "alpha-operator", "wrong")
    elsewhere = Client(REMOTE_ADDR="198.51.100.9")
    assert sign_in_as(elsewhere, "alpha-operator", PASSWORD).status_code == 429
    assert sign_in_as(elsewhere, "alpha-admin", PASSWORD).status_code == 302  # other accounts are not


def test_an_address_trying_many_accounts_is_locked_for_every_account(world_a):
    sprayer = Client(REMOTE_ADDR="192.0.2.50")
    answers = [sign_in_as(sprayer, f"guess-{n}", "Summer2026!").status_code for n in range(8)]
    assert answers == [200] * 7 + [429]
    assert sign_in_as(Client(REMOTE_ADDR="192.0.2.50"), "alpha-admin", PASSWORD).status_code == 429
    assert sign_in_as(Client(REMOTE_ADDR="192.0.2.51"), "alpha-admin", PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_its_accounts_failures(world_a):
    client = Client()
    for n in range(4):
        sign_in_as(client, "alpha-operator", f"wrong-{n}")
    assert sign_in_as(client, "alpha-operator", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert [sign_in_as(client, "alpha-operator", "wrong").status_code for _ in range(4)] == [200] * 4


def test_signing_in_to_ones_own_account_does_not_clear_failures_against_another(world_a):
    office = Client(REMOTE_ADDR="192.0.2.7")
    for n in range(4):
        sign_in_as(office, "alpha-admin", f"wrong-{n}")
    assert sign_in_as(office, "alpha-operator", PASSWORD).status_code == 302  # the attacker's own login
    office.post(reverse("logout"))
    assert sign_in_as(office, "alpha-admin", "wrong-again").status_code == 429


def test_the_address_is_remote_addr_unless_proxies_are_trusted(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="203.0.113.66, 198.51.100.20")
    assert sign_in.client_address(request) == "10.1.1.1"  # X-Forwarded-For is anyone's to write
    settings.AXES_TRUSTED_PROXY_COUNT = 1
    assert sign_in.client_address(request) == "198.51.100.20"  # what our one proxy saw
    settings.AXES_TRUSTED_PROXY_COUNT = 2
    assert sign_in.client_address(request) == "203.0.113.66"
    settings.AXES_TRUSTED_PROXY_COUNT = 3
    assert sign_in.client_address(request) == "10.1.1.1"  # fewer hops than proxies: not through them


def test_behind_a_trusted_proxy_each_client_has_its_own_count(world_a, settings):
    settings.AXES_TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(8):
        sign_in_as(Client(**proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.1{n}"), f"guess-{n}", "x")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        f"192.0.2.1{n}" for n in range(8)
    }
    client = Client(**proxy, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert sign_in_as(client, "alpha-operator", PASSWORD).status_code == 302


def lock_out(username, address="192.0.2.200"):
    for n in range(5):
        sign_in_as(Client(REMOTE_ADDR=address), username, f"wrong-{n}")


def test_a_tenant_administrator_sees_and_clears_only_their_own_employees_lockouts(
    world_a, world_b, client_for
):
    lock_out("alpha-operator")
    lock_out("beta-operator", "192.0.2.201")
    admin = client_for(world_a.admin)
    shown = {row.key: row for row in admin.get(SECURITY).context["accounts"]}
    assert set(shown) == {"alpha-operator"}
    assert shown["alpha-operator"].locked_until is not None
    assert shown["alpha-operator"].addresses == ("192.0.2.200",)
    assert admin.get(SECURITY).context["addresses"] == []  # an address is shared across companies
    admin.post(RESET, {"kind": "account", "value": "beta-operator"})
    admin.post(RESET, {"kind": "address", "value": "192.0.2.200"})
    assert AccessAttempt.objects.filter(username="beta-operator").exists()
    admin.post(RESET, {"kind": "account", "value": "alpha-operator"})
    assert not AccessAttempt.objects.filter(username="alpha-operator").exists()
    assert sign_in_as(Client(), "alpha-operator", PASSWORD).status_code == 302
    assert sign_in_as(Client(), "beta-operator", PASSWORD).status_code == 429


def test_a_login_shared_with_another_company_is_visible_to_both_administrators(world_a, world_b, client_for):
    another_employee(world_b, "alpha-operator")
    lock_out("alpha-operator")
    assert [row.key for row in client_for(world_b.admin).get(SECURITY).context["accounts"]] == [
        "alpha-operator"
    ]


def test_a_platform_superuser_sees_and_clears_every_account_and_address(
    world_a, world_b, client_for, django_user_model
):
    root = django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    lock_out("alpha-operator", "192.0.2.1")
    lock_out("beta-operator", "192.0.2.2")
    for n in range(8):
        sign_in_as(Client(REMOTE_ADDR="192.0.2.3"), f"guess-{n}", "x")
    client = client_for(root)
    page = client.get(SECURITY)
    assert {"alpha-operator", "beta-operator"} <= {row.key for row in page.context["accounts"]}
    locked = {row.key for row in page.context["addresses"] if row.locked_until}
    assert locked == {"192.0.2.3"}
    client.post(RESET, {"kind": "address", "value": "192.0.2.3"})
    client.post(RESET, {"kind": "account", "value": "beta-operator"})
    assert sign_in_as(Client(REMOTE_ADDR="192.0.2.3"), "beta-operator", PASSWORD).status_code == 302


def test_operators_have_no_sign_in_security_page(world_a, client_for):
    client = client_for(world_a.operator)
    assert client.get(SECURITY).status_code == 403
    lock_out("alpha-admin")
    assert client.post(RESET, {"kind": "account", "value": "alpha-admin"}).status_code == 403
    assert AccessAttempt.objects.filter(username="alpha-admin").exists()
