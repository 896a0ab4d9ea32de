"""In a real browser: Test connection on the Add page tests the typed values without submitting them,
so the typed password stays in its field; nothing is saved until the administrator saves."""

import pytest

from mailboxes.models import Mailbox
from tests.builders import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_typed_values_are_tested_on_the_add_page(
    login, screenshot, world_a, imap_user, fill_incoming_mailbox
):
    admin = login(world_a.admin, PASSWORD)
    fill_incoming_mailbox(admin, password="wrong-password")

    admin.click("button.connection-test-button")
    failed = admin.wait_for_selector(".connection-test-result.failed")
    assert failed.inner_text().startswith("Authentication rejected")
    assert admin.input_value("#id_new_password") == "wrong-password"  # nothing was submitted

    admin.fill("#id_new_password", imap_user.password)
    admin.click("button.connection-test-button")
    passed = admin.wait_for_selector(".connection-test-result.passed")
    assert "signed in" in passed.inner_text()
    assert admin.input_value("#id_new_password") == imap_user.password
    assert not Mailbox.all_tenants.exists()
    screenshot(admin, "mailbox-connection-test-before-saving")

    admin.click("input[name=_continue]")  # saving tests again and keeps the outcome
    admin.wait_for_selector(".messagelist .success")
    assert Mailbox.all_tenants.get(name="Invoices").state == Mailbox.State.READY
