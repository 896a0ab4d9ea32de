"""Mailboxes (on the local test servers, or remote ones never contacted) and the buffers over them."""

import secrets

from mailboxes.models import Buffer, Mailbox
from tests.builders import sequence


def inbox_only() -> list[dict]:
    """The folder list of a mailbox that has just an INBOX (a new list on each call)."""
    return [{"name": "INBOX", "delimiter": "/", "flags": [], "depth": 0, "selectable": True}]


def make_local_mailbox(tenant, *, save=True, **fields) -> Mailbox:
    """A Mailbox on 127.0.0.1, where the test servers listen, with SSL/TLS (saved unless save=False).

    Pass trusted_certificate (the test CA) for it to trust the test servers.
    """
    values = {
        "tenant": tenant,
        "name": f"box-{Mailbox.all_tenants.count() + 1}",
        "host": "127.0.0.1",
        "email_address": f"faktury@{tenant.slug}.example",
        "encryption": Mailbox.Encryption.SSL_TLS,
    } | fields
    mailbox = Mailbox(**values)
    if save:
        mailbox.save()
    return mailbox


def make_outgoing_mailbox(tenant, *, smtp_server, smtp_user, **fields) -> Mailbox:
    """An outgoing mailbox on the test SMTP server (STARTTLS, login and password)."""
    values = {
        "purpose": Mailbox.Purpose.OUTGOING,
        "port": smtp_server.starttls_port,
        "encryption": Mailbox.Encryption.STARTTLS,
        "email_address": f"powiadomienia@{tenant.slug}.example",
        "login": smtp_user.login,
        "password": smtp_user.password,
    } | fields
    return make_local_mailbox(tenant, **values)


def make_oauth_outgoing_mailbox(tenant, *, authority, oauth_client, smtp_server, **fields) -> Mailbox:
    """An outgoing Microsoft OAuth (delegated) mailbox whose owner exists at `authority`; not signed in."""
    login = f"notify-{secrets.token_hex(4)}@{tenant.slug}.example"
    authority.add_user(login)
    values = {
        "purpose": Mailbox.Purpose.OUTGOING,
        "port": smtp_server.starttls_port,
        "encryption": Mailbox.Encryption.STARTTLS,
        "auth_method": Mailbox.AuthMethod.MICROSOFT_OAUTH,
        "email_address": login,
        "oauth_client_id": oauth_client.client_id,
        "oauth_client_secret": oauth_client.client_secret,
        "oauth_directory_id": authority.tenant_id,
    } | fields
    return make_local_mailbox(tenant, **values)


def make_remote_mailbox(tenant, *, name, password) -> Mailbox:
    """A mailbox on imap.example.com (never contacted) whose folder list is known: just an INBOX."""
    return Mailbox.all_tenants.create(
        tenant=tenant,
        name=name,
        host="imap.example.com",
        email_address=f"faktury@{tenant.slug}.example",
        password=password,
        folders=inbox_only(),
    )


def make_buffer(tenant, *, name, mailbox, **fields) -> Buffer:
    return Buffer.all_tenants.create(tenant=tenant, name=name, mailbox=mailbox, **fields)


def another_mailbox(world) -> Mailbox:
    """A new remote mailbox of `world`'s tenant, with a name of its own."""
    return make_remote_mailbox(
        world.tenant,
        name=f"Invoices {world.tenant.slug} {next(sequence.numbers)}",
        password="secret-of-" + world.tenant.slug,
    )


def another_buffer(world) -> Buffer:
    """A new buffer of `world`'s tenant on a new remote mailbox, each with a name of its own."""
    return make_buffer(
        world.tenant,
        name=f"Buffer {world.tenant.slug} {next(sequence.numbers)}",
        mailbox=another_mailbox(world),
    )


def poll_once(buffer: Buffer) -> None:
    """Poll `buffer` now, in the foreground, as a worker would (its mails come in)."""
    from mailboxes.polling.poll import poll_mailbox  # the pipeline, imported only by tests that poll

    result = poll_mailbox(buffer.mailbox_id, buffer_ids=[buffer.pk])
    assert not result.failed and not result.skipped, result
