"""Test connection on the Add and change pages: the typed values are tested without saving anything
(the answer is JSON, so the typed password stays in its field); a stored password is used only for the
connection it was typed for."""

import pytest
from django.urls import reverse

from mailboxes.models import Mailbox
from tests.mailboxes.test_mailbox_admin import form_data

TEST_NEW = reverse("admin:mailboxes_mailbox_test_typed_new")


def _test_url(mailbox):
    return reverse("admin:mailboxes_mailbox_test_typed", args=[mailbox.pk])


@pytest.fixture
def typed(dovecot, imap_user, ca_pem):
    return form_data(
        port=str(dovecot.imaps_port),
        login=imap_user.login,
        new_password=imap_user.password,
        trusted_certificate=ca_pem,
    )


def test_good_typed_values_pass_with_the_folder_count_and_nothing_is_saved(admin_client, typed, imap_user):
    response = admin_client.post(TEST_NEW, typed | {"name": ""})  # no name yet: the test still runs
    report = response.json()
    assert report["ok"] is True
    assert report["kind"] == "ok"
    assert report["folders_count"] >= 1
    assert f"{report['folders_count']} folder" in report["message"]
    assert imap_user.password not in response.content.decode()
    assert not Mailbox.all_tenants.exists()


def test_a_wrong_password_answers_the_rejection_without_echoing_it(admin_client, typed):
    response = admin_client.post(TEST_NEW, typed | {"new_password": "wrong-secret-123"})
    report = response.json()
    assert report["ok"] is False
    assert report["message"].startswith("Authentication rejected")
    assert "wrong-secret-123" not in response.content.decode()
    assert not Mailbox.all_tenants.exists()


def test_the_answer_is_in_the_users_language(admin_client, typed):
    response = admin_client.post(TEST_NEW, typed | {"new_password": ""}, HTTP_ACCEPT_LANGUAGE="pl")
    report = response.json()
    assert (report["ok"], report["kind"]) == (False, "invalid")
    assert "Enter the password." not in report["message"]
    assert report["message"]


def test_the_stored_password_is_used_while_the_connection_fields_are_unchanged(
    admin_client, dovecot, imap_user, make_mailbox
):
    mailbox = make_mailbox(port=dovecot.imaps_port, login=imap_user.login, password=imap_user.password)
    data = form_data(
        name=mailbox.name,
        port=str(dovecot.imaps_port),
        login=imap_user.login,
        trusted_certificate=mailbox.trusted_certificate,
    )
    response = admin_client.post(_test_url(mailbox), data)
    assert response.json()["ok"] is True
    assert imap_user.password not in response.content.decode()
    mailbox.refresh_from_db()
    assert mailbox.state == Mailbox.State.UNTESTED  # a test of typed values records nothing


def test_with_a_changed_host_the_stored_password_is_not_sent(admin_client, listener, imap_user, make_mailbox):
    other = listener("imap")
    mailbox = make_mailbox(port=other.port, login=imap_user.login, password=imap_user.password)
    data = form_data(
        name=mailbox.name,
        host="localhost",  # the same listener under another name: a change of the server
        port=str(other.port),
        login=imap_user.login,
        trusted_certificate=mailbox.trusted_certificate,
    )
    report = admin_client.post(_test_url(mailbox), data).json()
    assert report["ok"] is False
    assert "type the password again" in report["message"]
    assert other.connections == 0
    assert not other.saw(imap_user.password)


def test_another_tenants_administrator_gets_404_on_a_foreign_mailbox(
    client_for, world_b, make_mailbox, typed
):
    mailbox = make_mailbox()
    response = client_for(world_b.admin).post(_test_url(mailbox), typed)
    assert response.status_code == 404


def test_the_add_page_shows_the_button(admin_client):
    page = admin_client.get(reverse("admin:mailboxes_mailbox_add")).content.decode()
    assert f'data-url="{TEST_NEW}"' in page
    assert "connection-test-button" in page
