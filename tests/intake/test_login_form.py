"""The sign-in form keeps the username after a wrong password (and on the lockout page), escaped, with
the focus on the password field."""

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _username_input(page: str) -> str:
    return re.search(r'<input type="text" name="username"[^>]*>', page).group(0)


def _password_input(page: str) -> str:
    return re.search(r'<input type="password" name="password"[^>]*>', page).group(0)


def test_a_wrong_password_keeps_the_username_and_focuses_the_password(world_a):
    response = Client().post(reverse("login"), {"username": "alpha-operator", "password": "wrong"})
    page = response.content.decode()
    assert response.status_code == 200 and "didn't match" in page
    assert 'value="alpha-operator"' in _username_input(page)
    assert "autofocus" not in _username_input(page) and "autofocus" in _password_input(page)


def test_the_kept_username_is_escaped(db):
    typed = '"><script>alert(1)</script>'
    page = Client().post(reverse("login"), {"username": typed, "password": "x"}).content.decode()
    assert "<script>alert(1)" not in page
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in _username_input(page)


def test_a_fresh_form_is_empty_and_focuses_the_username(db):
    page = Client().get(reverse("login")).content.decode()
    assert 'value=""' in _username_input(page) and "autofocus" in _username_input(page)


def test_the_lockout_page_keeps_the_username_too(world_a, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    answers = [
        client.post(reverse("login"), {"username": "alpha-operator", "password": "wrong"}) for _ in range(3)
    ]
    assert answers[-1].status_code == 429
    assert 'value="alpha-operator"' in _username_input(answers[-1].content.decode())
