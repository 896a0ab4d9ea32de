"""In a real browser: an incoming mailbox saved under a name the company already uses, after its
connection test passed, comes back with an error on the name and everything typed kept."""

import pytest

from mailboxes.models import Mailbox
from tests.builders import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_duplicate_name_after_a_passed_connection_test_is_a_field_error(
    login, screenshot, world_a, make_mailbox, imap_user, fill_incoming_mailbox
):
    make_mailbox(name="Invoices")
    admin = login(world_a.admin, PASSWORD)
    fill_incoming_mailbox(admin)
    admin.click("button.connection-test-button")
    admin.wait_for_selector(".connection-test-result.passed")

    admin.click("input[name=_save]")
    error = admin.wait_for_selector(".field-name .errorlist")
    assert error.inner_text() == "Mailbox “Invoices” already exists: choose another name."
    assert admin.input_value("#id_name") == "Invoices"
    assert admin.input_value("#id_email_address") == "faktury@alpha.example"
    assert admin.input_value("#id_login") == imap_user.login
    assert admin.input_value("#id_new_password") == imap_user.password  # the typed password stays
    assert Mailbox.all_tenants.count() == 1
    screenshot(admin, "mailbox-duplicate-name-field-error")

    admin.fill("#id_name", "Invoices 2")  # only the name changes: the rest is still there
    admin.click("input[name=_save]")
    admin.wait_for_selector(".messagelist .success")
    assert Mailbox.all_tenants.get(name="Invoices 2").state == Mailbox.State.READY
