"""Real headless Chromium (Debian's package) driven by Playwright against the live test server."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTEFACTS = Path(
    os.environ.get("TEST_ARTEFACTS", Path(__file__).resolve().parents[2] / "var" / "test-artefacts")
)
# Flags a sandboxed CI machine needs: no setuid sandbox as root, no GPU, and no background calls home
# (the machine has no network, and Chromium's background services would retry for ever).
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


@pytest.fixture(autouse=True)
def private_file_area(own_file_area):
    """Every test here keeps its ACD files under its own tmp_path (buffer_a comes from tests/fixtures/)."""


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: bin/install-system-packages installs it")
        pytest.skip("Chromium is not installed (bin/install-system-packages installs it)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API refuses to start inside a running event loop; Django's async-safety check
    # would also object to ORM calls from the test thread otherwise.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def screenshot():
    ARTEFACTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = ARTEFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def login(browser, live_server):
    def open_as(employee, password):
        context = browser.new_context(accept_downloads=True, locale="en-GB")
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", employee.user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    return open_as


@pytest.fixture
def fill_incoming_mailbox(live_server, dovecot, imap_user, ca_pem):
    """fill_incoming_mailbox(page, password=...): opens the Add mailbox page and types an incoming mailbox
    of the suite's Dovecot user (the given password, else the right one), nothing submitted."""

    def fill(page, *, password=None):
        page.goto(f"{live_server.url}/admin/mailboxes/mailbox/add/")
        page.fill("#id_name", "Invoices")
        page.fill("#id_host", "127.0.0.1")
        page.fill("#id_port", str(dovecot.imaps_port))
        page.click("fieldset.collapse summary")  # the certificate's section is folded
        page.fill("#id_trusted_certificate", ca_pem)
        page.fill("#id_email_address", "faktury@alpha.example")
        page.fill("#id_login", imap_user.login)
        page.fill("#id_new_password", imap_user.password if password is None else password)

    return fill
