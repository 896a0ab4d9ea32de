"""In a real browser: an outgoing mailbox on an unauthenticated relay (no login or password fields
shown), tested and sending; and a wrong encryption choice explained in words on the mailbox page."""

import pytest

from mailboxes.models import Mailbox
from tests.builders import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_administrator_sets_up_a_relay_without_authentication(
    login, live_server, screenshot, world_a, smtp_server, ca_pem
):
    smtp_server.clear()
    admin = login(world_a.admin, PASSWORD)
    admin.goto(f"{live_server.url}/admin/mailboxes/mailbox/add/")
    admin.fill("#id_name", "Relay")
    admin.select_option("#id_purpose", "outgoing")
    admin.fill("#id_host", "127.0.0.1")
    admin.fill("#id_port", str(smtp_server.relay_port))
    admin.select_option("#id_encryption", "starttls")
    admin.click("fieldset.collapse summary")  # the certificate's section is folded
    admin.fill("#id_trusted_certificate", ca_pem)
    admin.fill("#id_email_address", "powiadomienia@alpha.example")
    assert admin.is_visible("#id_new_password")
    admin.select_option("#id_auth_method", "none")
    assert not admin.is_visible("#id_new_password") and not admin.is_visible("#id_login")
    screenshot(admin, "mailbox-relay-without-authentication")
    admin.click("input[name=_continue]")
    admin.wait_for_selector(".messagelist .success")
    mailbox = Mailbox.all_tenants.get(name="Relay")
    assert (mailbox.auth_method, mailbox.password) == ("none", "")

    admin.click("button:has-text('Test connection')")
    success = admin.wait_for_selector(".messagelist .success")
    assert "accepts mail from powiadomienia@alpha.example without authentication" in success.inner_text()
    admin.click("button:has-text('Send test message')")
    admin.wait_for_selector(".messagelist .success")
    [received] = smtp_server.wait_for_messages(1, rcpt=world_a.admin.email)
    assert received.login is None and received.port == smtp_server.relay_port
    screenshot(admin, "mailbox-relay-test-message-sent")


def test_starttls_chosen_for_the_imaps_port_is_explained_on_the_page(
    login, live_server, screenshot, world_a, make_mailbox, dovecot, imap_user
):
    mailbox = make_mailbox(
        port=dovecot.imaps_port,
        encryption=Mailbox.Encryption.STARTTLS,
        login=imap_user.login,
        password=imap_user.password,
    )
    admin = login(world_a.admin, PASSWORD)
    admin.goto(f"{live_server.url}/admin/mailboxes/mailbox/{mailbox.pk}/change/")
    admin.click("button:has-text('Test connection')")
    error = admin.wait_for_selector(".messagelist .error")
    assert error.inner_text() == (
        f"This port expects TLS at once: choose the encryption SSL/TLS. (127.0.0.1:{dovecot.imaps_port})"
    )
    screenshot(admin, "mailbox-starttls-on-imaps-port")
