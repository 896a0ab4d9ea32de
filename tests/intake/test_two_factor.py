"""Two-factor authentication (django-otp, intake/two_factor.py): enrolment with recovery codes, the code
step after the password, who must have it, every page behind it, and administrators' resets."""

import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken

from intake import sign_in, two_factor
from intake.authenticators import AuthenticatorApp
from tests.builders import PASSWORD, another_employee, issue_token
from tests.builders.two_factor import confirmed_authenticator, current_code, mark_verified, wrong_code

LOGIN = reverse("login")
CODE = reverse("sign-in-verify")
SET_UP = reverse("two-factor-set-up")
DASHBOARD = reverse("dashboard")


@pytest.fixture(autouse=True)
def no_device_back_off(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # tests that need django-otp's back-off set it themselves
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def password_step(client, username, next_url=""):
    return client.post(LOGIN, {"username": username, "password": PASSWORD, "next": next_url})


def signed_in(client) -> bool:
    return client.get(DASHBOARD).status_code == 200


def enrol(client, user) -> list[str]:
    """The set-up page, then its code: returns the recovery codes shown."""
    client.get(SET_UP)
    device = AuthenticatorApp.objects.get(user=user, confirmed=False)
    return client.post(SET_UP, {"code": current_code(device)}).context["codes"]


def require_for_administrators(world):
    world.tenant.require_admin_two_factor = True
    world.tenant.save(update_fields=["require_admin_two_factor"])


def test_setting_up_shows_the_secret_and_a_qr_code_and_needs_a_right_code(world_a, client_for):
    client = client_for(world_a.operator)
    page = client.get(SET_UP)
    enrolment = page.context["enrolment"]
    assert enrolment.otpauth_uri.startswith("otpauth://totp/Intake%20portal%3Aalpha-operator?secret=")
    assert enrolment.secret.replace(" ", "") in enrolment.otpauth_uri
    assert enrolment.qr_svg_data_uri.startswith("data:image/svg+xml;base64,")
    assert enrolment.secret in page.content.decode()
    wrong = client.post(SET_UP, {"code": wrong_code(enrolment.device)})
    assert "This code is not right" in wrong.content.decode()
    assert not two_factor.has_device(world_a.operator.user)
    codes = client.post(SET_UP, {"code": current_code(enrolment.device)}).context["codes"]
    assert two_factor.has_device(world_a.operator.user)
    assert len(codes) == 10 and len(set(codes)) == 10


def test_recovery_codes_are_shown_once_and_stored_only_as_digests(world_a, client_for):
    client = client_for(world_a.operator)
    codes = enrol(client, world_a.operator.user)
    stored = set(
        StaticToken.objects.filter(device__user=world_a.operator.user).values_list("token", flat=True)
    )
    assert stored == {two_factor.recovery_digest(code) for code in codes}
    assert not stored & {code.replace("-", "") for code in codes}
    assert not any(code in client.get(reverse("two-factor")).content.decode() for code in codes)


def test_with_an_authenticator_the_password_alone_signs_nobody_in(world_a):
    device = confirmed_authenticator(world_a.operator.user)
    client = Client()
    answer = password_step(client, "alpha-operator", "/acd/")
    assert answer.status_code == 302 and answer.url.startswith(CODE)
    assert not signed_in(client)
    answer = client.post(answer.url, {"code": current_code(device), "next": "/acd/"})
    assert answer.url == "/acd/"
    assert signed_in(client)


def test_the_password_step_gives_the_pending_sign_in_a_new_session_id(world_a):
    confirmed_authenticator(world_a.operator.user)
    client = Client()
    session = client.session  # as if planted by someone who then waits for the code step
    session.save()
    planted = session.session_key
    password_step(client, "alpha-operator")
    assert client.cookies["sessionid"].value != planted


def test_a_recovery_code_signs_in_once(world_a, client_for):
    codes = enrol(client_for(world_a.operator), world_a.operator.user)
    client = Client()
    password_step(client, "alpha-operator")
    answer = client.post(CODE, {"code": codes[3].upper()}, follow=True)
    assert "You used a recovery code; 9 left." in answer.content.decode()
    client.post(reverse("logout"))
    password_step(client, "alpha-operator")
    assert "This code is not right" in client.post(CODE, {"code": codes[3]}).content.decode()
    assert not signed_in(client)


def test_wrong_codes_count_as_failed_sign_ins_and_lock_the_account(world_a, settings):
    settings.AXES_FAILURE_LIMIT = 5
    device = confirmed_authenticator(world_a.operator.user)
    client = Client()
    password_step(client, "alpha-operator")
    answers = [client.post(CODE, {"code": wrong_code(device)}).status_code for _ in range(5)]
    assert answers == [200] * 4 + [429]
    assert client.post(CODE, {"code": current_code(device)}).url == LOGIN  # the pending sign-in is gone
    assert not signed_in(client)
    assert password_step(Client(), "alpha-operator").status_code == 429  # the password step too


def test_the_authenticator_backs_off_after_a_wrong_code(world_a, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a minute after one wrong code: no race with the clock
    device = confirmed_authenticator(world_a.operator.user)
    client = Client()
    password_step(client, "alpha-operator")
    client.post(CODE, {"code": wrong_code(device)})
    page = client.post(CODE, {"code": current_code(device)}).content.decode()
    assert "Too many wrong codes. Wait" in page
    assert not signed_in(client)


def test_the_code_must_follow_the_password_within_five_minutes(world_a):
    device = confirmed_authenticator(world_a.operator.user)
    client = Client()
    password_step(client, "alpha-operator")
    session = client.session
    session[sign_in.PENDING_SESSION_KEY]["since"] = time.time() - sign_in.PENDING_SECONDS - 1
    session.save()
    answer = client.post(CODE, {"code": current_code(device)})
    assert answer.status_code == 302 and answer.url == LOGIN
    assert not signed_in(client)


def test_the_code_page_without_the_password_step_sends_to_the_sign_in(db):
    assert Client().get(CODE).url == LOGIN


def test_a_company_requiring_it_sends_its_administrators_to_set_up_before_anything_else(world_a, client_for):
    require_for_administrators(world_a)
    client = Client()
    password_step(client, "alpha-admin")
    for page in (
        DASHBOARD,
        reverse("admin:index"),
        reverse("profile"),
        reverse("mailboxes:notification-settings"),
    ):
        answer = client.get(page)
        assert answer.status_code == 302 and answer.url.startswith(SET_UP), page
    enrol(client, world_a.admin.user)
    assert client.get(reverse("admin:index")).status_code == 200
    assert signed_in(client_for(world_a.operator))  # operators are not required


def test_an_administrator_with_an_authenticator_owes_the_code_on_every_page(world_a, client_for):
    require_for_administrators(world_a)
    device = confirmed_authenticator(world_a.admin.user)
    client = client_for(world_a.admin)  # a session that never passed the code step
    answer = client.get(reverse("admin:intake_employee_changelist"))
    assert answer.status_code == 302 and answer.url.startswith(CODE)
    assert client.get(SET_UP).url.startswith(CODE)  # nor may it replace the authenticator
    client.post(CODE, {"code": current_code(device)})
    assert client.get(reverse("admin:intake_employee_changelist")).status_code == 200


def test_an_employee_who_set_it_up_elsewhere_owes_the_code_in_an_older_session(world_a, client_for):
    device = confirmed_authenticator(world_a.operator.user)
    client = client_for(world_a.operator)
    assert client.get(DASHBOARD).url.startswith(CODE)
    client.post(CODE, {"code": current_code(device)})
    assert signed_in(client)


def test_platform_superusers_always_need_it(world_a, world_b, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    client = Client()
    password_step(client, "root")
    assert client.get(reverse("admin:index")).url.startswith(SET_UP)
    mark_verified(client, root)
    assert client.get(reverse("admin:index")).status_code == 200
    listed = client.get(reverse("admin:intake_employee_changelist")).context["cl"].queryset
    assert {world_a.operator, world_b.operator} <= set(listed)


def test_turning_it_off_is_refused_where_it_is_required(world_a, client_for):
    require_for_administrators(world_a)
    admin = client_for(world_a.admin)
    mark_verified(admin, world_a.admin.user)
    admin.post(reverse("two-factor-turn-off"))
    assert two_factor.has_device(world_a.admin.user)
    operator = client_for(world_a.operator)
    enrol(operator, world_a.operator.user)
    operator.post(reverse("two-factor-turn-off"))
    assert not two_factor.has_device(world_a.operator.user)
    assert signed_in(operator)


def test_new_recovery_codes_replace_the_old_ones(world_a, client_for):
    client = client_for(world_a.operator)
    old = enrol(client, world_a.operator.user)
    new = client.post(reverse("two-factor-recovery-codes")).context["codes"]
    assert two_factor.check_code(world_a.operator.user, old[0]).device is None
    assert two_factor.check_code(world_a.operator.user, new[0]).used_recovery_code


def test_a_new_authenticator_replaces_the_old_one(world_a, client_for):
    client = client_for(world_a.operator)
    enrol(client, world_a.operator.user)
    first = AuthenticatorApp.objects.get(user=world_a.operator.user)
    enrol(client, world_a.operator.user)
    assert list(AuthenticatorApp.objects.filter(user=world_a.operator.user)) != [first]
    assert AuthenticatorApp.objects.filter(user=world_a.operator.user).count() == 1


def reset(client, user):
    return client.post(reverse("sign-in-security-reset"), {"kind": "two_factor", "value": user.pk})


def test_a_tenant_administrator_resets_only_their_own_companys_logins(world_a, world_b, client_for):
    lost_phone, foreign = world_a.operator.user, world_b.operator.user
    shared = another_employee(world_a, "shared-login").user
    another_employee(world_b, "shared-login")
    for user in (lost_phone, foreign, shared):
        confirmed_authenticator(user)
    admin = client_for(world_a.admin)
    rows = {row.user: row for row in admin.get(reverse("sign-in-security")).context["colleagues"]}
    assert foreign not in rows
    assert rows[lost_phone].resettable and not rows[shared].resettable
    assert reset(admin, foreign).status_code == 404
    assert reset(admin, shared).status_code == 404
    assert reset(admin, lost_phone).status_code == 302
    assert not two_factor.has_device(lost_phone)
    assert two_factor.has_device(foreign) and two_factor.has_device(shared)


def test_a_superuser_resets_anyones(world_b, client_for, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    confirmed_authenticator(world_b.operator.user)
    reset(client_for(root), world_b.operator.user)
    assert not two_factor.has_device(world_b.operator.user)


def test_api_tokens_are_their_own_factor(world_a, make_point, own_file_area):
    require_for_administrators(world_a)
    make_point()
    _, raw = issue_token(world_a.admin)
    client = Client(headers={"authorization": f"Bearer {raw}"})
    assert client.get(reverse("api:points")).status_code == 200


def test_a_tenant_administrator_turns_the_requirement_on_for_their_company_only(world_a, world_b, client_for):
    admin = client_for(world_a.admin)
    assert admin.get(reverse("sign-in-security")).context["require_admin_two_factor"] is False
    admin.post(reverse("sign-in-security-reset"), {"kind": "require", "value": "on"})
    world_a.tenant.refresh_from_db()
    world_b.tenant.refresh_from_db()
    assert world_a.tenant.require_admin_two_factor and not world_b.tenant.require_admin_two_factor
    assert admin.get(DASHBOARD).url.startswith(SET_UP)  # from the next page on
    operator = client_for(world_a.operator)
    operator.post(reverse("sign-in-security-reset"), {"kind": "require", "value": "off"})
    world_a.tenant.refresh_from_db()
    assert world_a.tenant.require_admin_two_factor


def test_the_authenticators_secret_is_encrypted_at_rest(world_a):
    from django.db import connection

    device = confirmed_authenticator(world_a.operator.user)
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM intake_authenticatorapp WHERE id = %s", [device.pk])
        [stored] = cursor.fetchone()
    assert device.key and device.key not in stored  # the hex secret never sits in the table
    assert AuthenticatorApp.objects.get(pk=device.pk).verify_token(current_code(device))  # and still works
