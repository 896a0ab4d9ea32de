"""Servers that echo the credentials they were sent: the password, token, client secret and SASL blobs
appear nowhere — not in Mailbox.last_error, Buffer.last_error, notification rows, admin pages, a dump
of the database, nor the logs at DEBUG (imapclient's raw lines, smtplib's debug output, MSAL)."""

import base64
import html
import json
import logging
from urllib.parse import quote_plus

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from mailboxes.connections.checking import check_connection
from mailboxes.models import Buffer, Mailbox, Notification
from mailboxes.notifications.sending import send_due
from mailboxes.notifications.tenant_settings import choose_notification_mailbox
from mailboxes.polling.poll import poll_mailbox
from tests.builders import make_buffer, make_outgoing_mailbox, queue
from tests.mailboxes.echo_servers import EchoServer, ImapEcho, SmtpEcho
from tests.mailboxes.test_microsoft_oauth import sign_in_through_the_admin
from tests.mailboxes.test_secret_scrubbing import assert_no_trace, imap_quoted
from tests.notifications.helpers import parts
from tests.servers.oauth_authority.grants import OAuthError

PASSWORD = "Pa\"ss\\wo rd/Z'%&<9-echoed"  # ASCII: imaplib and smtplib send nothing else
LOGIN = "faktury@alpha.example"
CUT = 300  # where the old code cut a server's words, before scrubbing them


@pytest.fixture
def echo():
    servers = []

    def start(handler, **options):
        servers.append(EchoServer(handler, **options).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def echo_box(make_mailbox):
    def make(server, **fields):
        values = {"port": server.port, "encryption": Mailbox.Encryption.NONE, "login": LOGIN}
        return make_mailbox(**values | fields)

    return make


def database_dump() -> str:
    """Every row of the mailbox tables as stored (what a database dump holds: ciphertext for secrets)."""
    rows = []
    with connection.cursor() as cursor:
        for model in (Mailbox, Buffer, Notification):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
            rows += [repr(row) for row in cursor.fetchall()]
    return "\n".join(rows)


@pytest.fixture
def everything_shown(client_for, world_a):
    """All text where a secret could surface: rows, admin pages, the database as stored."""

    def collect() -> str:
        admin = client_for(world_a.admin)
        pages = [reverse("admin:mailboxes_buffer_changelist"), reverse("admin:mailboxes_mailbox_changelist")]
        pages += [reverse("admin:mailboxes_mailbox_change", args=[m.pk]) for m in Mailbox.all_tenants.all()]
        pages += [reverse("admin:mailboxes_buffer_change", args=[b.pk]) for b in Buffer.all_tenants.all()]
        rows = [m.last_error for m in Mailbox.all_tenants.all()]
        rows += [b.last_error for b in Buffer.all_tenants.all()]
        rows += [json.dumps(n.context) + n.reason for n in Notification.all_tenants.all()]
        shown = [html.unescape(admin.get(page).content.decode()) for page in pages]
        return "\n".join([*rows, *shown, database_dump()])

    return collect


def proven_echoed(mailbox: Mailbox) -> None:
    """The server did echo what it got; scrubbing, not silence, kept it out."""
    mailbox.refresh_from_db()
    assert mailbox.state == Mailbox.State.FAILING and "***" in mailbox.last_error, mailbox.last_error


@pytest.mark.parametrize("shift", [-12, -3, 0, 5])
def test_an_imap_server_echoing_the_login_line(
    shift, echo, echo_box, world_a, ca_pem, smtp_server, smtp_user, everything_shown, caplog
):
    server = echo(ImapEcho)
    # str(LoginError) is "b'" + filler + " you sent: " + 'login "password"': put the password on the cut.
    server.pad = CUT - len("b' you sent: ") - len(f'{LOGIN} "') - len(PASSWORD) // 2 + shift
    mailbox = echo_box(server, password=PASSWORD)
    buffer = make_buffer(world_a.tenant, name="Echoed", mailbox=mailbox)
    notifier = make_outgoing_mailbox(
        world_a.tenant, smtp_server=smtp_server, smtp_user=smtp_user, trusted_certificate=ca_pem
    )
    choose_notification_mailbox(tenant=world_a.tenant, mailbox=notifier)
    smtp_server.clear()
    with caplog.at_level(logging.DEBUG):
        assert check_connection(mailbox).kind == "authentication_rejected"
        assert "Authentication rejected" in poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk]).error
        Notification.all_tenants.filter(state="queued").update(next_attempt_at=timezone.now())
        send_due()
    assert imap_quoted(PASSWORD).encode() in server.received[0]
    proven_echoed(mailbox)
    assert "***" in Buffer.all_tenants.get(pk=buffer.pk).last_error
    [notice] = smtp_server.wait_for_messages(1)  # the administrator hears of the failing mailbox
    text, html_part = parts(notice)
    assert "***" in text
    assert_no_trace("\n".join([text, html.unescape(html_part), everything_shown()]), PASSWORD)
    assert_no_trace(caplog.text, PASSWORD)


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_an_smtp_server_echoing_auth_plain_and_auth_login(
    mechanism, echo, echo_box, world_a, everything_shown, caplog, capsys
):
    server = echo(SmtpEcho, mechanisms=(mechanism,))
    blob = f"\0{LOGIN}\0{PASSWORD}" if mechanism == "PLAIN" else PASSWORD
    encoded = base64.b64encode(blob.encode()).decode()
    server.pad = CUT - len("5.7.8  you sent: ") - len(encoded) // 2  # the base64 on the cut
    mailbox = echo_box(server, purpose=Mailbox.Purpose.OUTGOING, password=PASSWORD)
    choose_notification_mailbox(tenant=world_a.tenant, mailbox=mailbox)
    queue(world_a)
    with caplog.at_level(logging.DEBUG):
        assert check_connection(mailbox).kind == "authentication_rejected"
        send_due()
    assert encoded.encode() in server.received
    proven_echoed(mailbox)
    assert "***" in Notification.all_tenants.get(kind="document").reason
    assert any(r.name == "mailboxes.protocols.smtp" for r in caplog.records)  # smtplib's debug output
    shown = everything_shown()
    assert_no_trace(shown, PASSWORD)
    assert encoded not in shown
    assert_no_trace(caplog.text + capsys.readouterr().err, PASSWORD)


@pytest.fixture
def app_only_box(echo_box, ms_authority, oauth_client):
    def make(server, **fields):
        values = {
            "auth_method": Mailbox.AuthMethod.MICROSOFT_OAUTH,
            "oauth_grant": Mailbox.OAuthGrant.APP_ONLY,
            "oauth_client_id": oauth_client.client_id,
            "oauth_client_secret": oauth_client.client_secret,
            "oauth_directory_id": ms_authority.tenant_id,
        }
        return echo_box(server, **values | fields)

    return make


def tokens_in(blobs: list[bytes]) -> list[str]:
    """The bearer tokens inside the XOAUTH2 blobs a server received."""
    decoded = [base64.b64decode(blob).decode() for blob in blobs if blob]
    return [text.split("auth=Bearer ", 1)[1].rstrip("\x01") for text in decoded if "auth=Bearer " in text]


@pytest.mark.parametrize("purpose", [Mailbox.Purpose.INCOMING, Mailbox.Purpose.OUTGOING])
def test_a_server_echoing_the_xoauth2_blob(purpose, echo, app_only_box, everything_shown, caplog):
    incoming = purpose == Mailbox.Purpose.INCOMING
    server = echo(ImapEcho if incoming else SmtpEcho, mechanisms=("XOAUTH2",))
    server.pad = 150
    mailbox = app_only_box(server, purpose=purpose)
    with caplog.at_level(logging.DEBUG):
        assert check_connection(mailbox).kind == "authentication_rejected"
    tokens = tokens_in(server.received)
    assert len(tokens) == 2  # the cached token, then a fresh one: both refused, both echoed
    proven_echoed(mailbox)
    shown, logged = everything_shown(), caplog.text
    for text in (shown, logged):
        assert_no_trace(text, *tokens)
        assert "auth=Bearer" not in text
        assert not any(blob.decode() in text for blob in server.received)


def test_a_client_secret_echoed_in_the_error_description(
    echo, app_only_box, ms_authority, monkeypatch, everything_shown, caplog
):
    secret = "Qx8~Client+Secret/Value=With%Signs"

    def echoing(params, authorization):
        sent = params.get("client_secret", "")
        raise OAuthError(
            "invalid_client",
            "x" * 150 + f"AADSTS7000215: Invalid client secret provided: {sent} "
            f"(form: client_secret={quote_plus(sent)})",
            status=401,
        )

    monkeypatch.setattr(ms_authority, "_authenticate_client", echoing)
    mailbox = app_only_box(echo(ImapEcho), oauth_client_secret=secret)
    with caplog.at_level(logging.DEBUG):
        report = check_connection(mailbox)
    assert report.kind == "oauth_failure"
    proven_echoed(mailbox)
    assert_no_trace(everything_shown() + report.message, secret, quote_plus(secret))
    assert_no_trace(caplog.text, secret, quote_plus(secret))


def test_a_sign_in_whose_code_is_echoed_back(
    echo, echo_box, ms_authority, oauth_client, client_for, world_a, monkeypatch, everything_shown, caplog
):
    ms_authority.add_user(LOGIN)
    sent = {}

    def echoing(client, params):
        sent.update(params)
        raise OAuthError(
            "invalid_grant", f"AADSTS70000: bad code {params['code']} / {params['code_verifier']}"
        )

    monkeypatch.setattr(ms_authority, "_grant_authorization_code", echoing)
    mailbox = echo_box(
        echo(ImapEcho),
        auth_method=Mailbox.AuthMethod.MICROSOFT_OAUTH,
        oauth_client_id=oauth_client.client_id,
        oauth_client_secret=oauth_client.client_secret,
        oauth_directory_id=ms_authority.tenant_id,
    )
    with caplog.at_level(logging.DEBUG):
        response = sign_in_through_the_admin(client_for(world_a.admin), mailbox, ms_authority)
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("Failed to log in") and "***" in message
    secrets = [sent["code"], sent["code_verifier"], oauth_client.client_secret]
    assert_no_trace(message + everything_shown() + caplog.text, *secrets)
