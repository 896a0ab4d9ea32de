"""`make run` seeds the demo on every start: a re-run keeps passwords, sessions, addresses and edits."""

import io
import re
import stat

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from acd_points.models import AcdPoint
from intake.models import Employee

LOGIN_LINE = re.compile(r"login: (\S+)\s+password: (\S+)")


@pytest.fixture(autouse=True)
def demo_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # where seed_demo keeps the demo logins
    return tmp_path


def _seeded() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _passwords(output: str) -> dict[str, str]:
    return dict(LOGIN_LINE.findall(output))


def _demo(username: str) -> Employee:
    return Employee.all_tenants.select_related("user").get(tenant__slug="demo", user__username=username)


def test_a_second_run_keeps_password_hashes_and_prints_the_same_passwords(db, demo_var_dir):
    first = _passwords(_seeded())
    hashes = dict(get_user_model().objects.values_list("username", "password"))
    second = _passwords(_seeded())
    assert set(first) == {"demo-admin", "demo-operator"}
    assert dict(get_user_model().objects.values_list("username", "password")) == hashes
    assert second == first  # printed again from var/, so a lost terminal does not lock anyone out
    logins = demo_var_dir / "demo-logins.json"
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600
    assert _demo("demo-operator").user.check_password(first["demo-operator"])


def test_a_signed_in_operator_stays_signed_in_across_a_re_run(db):
    password = _passwords(_seeded())["demo-operator"]
    client = Client()
    client.post(reverse("login"), {"username": "demo-operator", "password": password})
    assert client.get(reverse("dashboard")).status_code == 200
    _seeded()
    assert client.get(reverse("dashboard")).status_code == 200


def test_demo_employees_get_addresses_and_keep_what_an_administrator_changed(db):
    _seeded()
    assert _demo("demo-admin").email == "admin@demo.example"
    assert _demo("demo-operator").email == "operator@demo.example"
    operator = _demo("demo-operator")
    operator.email, operator.display_name = "anna.nowak@firma.example", "Anna Nowak"
    operator.save()
    operator.user.set_password("changed-by-the-administrator")
    operator.user.save()

    output = _seeded()

    operator = _demo("demo-operator")
    assert (operator.email, operator.display_name) == ("anna.nowak@firma.example", "Anna Nowak")
    assert operator.user.check_password("changed-by-the-administrator")
    assert "changepassword demo-operator" in output  # the stored one no longer works: say how to reset
    assert _passwords(output)["demo-operator"] == "unchanged"


def test_employees_an_older_seed_left_without_an_address_get_one(db):
    _seeded()
    Employee.all_tenants.filter(tenant__slug="demo").update(email="")  # as the seed before this one left them
    get_user_model().objects.update(email="")
    _seeded()
    assert _demo("demo-admin").email == "admin@demo.example"


def test_the_workspace_an_administrator_renamed_is_not_seeded_again(db):
    _seeded()
    call_command("seed_demo_workspace", stdout=io.StringIO())
    AcdPoint.all_tenants.filter(tenant__slug="demo").update(name="Invoices (renamed)")
    out = io.StringIO()
    call_command("seed_demo_workspace", stdout=out)
    assert list(AcdPoint.all_tenants.filter(tenant__slug="demo").values_list("name", flat=True)) == [
        "Invoices (renamed)"
    ]
    assert "left as it is" in out.getvalue()
