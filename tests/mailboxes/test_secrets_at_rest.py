import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from intake.crypto import SecretUnreadable, _fernet
from mailboxes.models import Mailbox

PASSWORD = "Pa55-w0rd-in-clear?"
CLIENT_SECRET = "client~secret~value~123"
TOKEN_CACHE = '{"RefreshToken": {"x": {"secret": "refresh-token-abc"}}}'


@pytest.fixture
def mailbox(world_a):
    return Mailbox.all_tenants.create(
        tenant=world_a.tenant,
        name="Invoices",
        host="imap.example.com",
        email_address="faktury@alpha.example",
        password=PASSWORD,
        oauth_client_secret=CLIENT_SECRET,
        oauth_token_cache=TOKEN_CACHE,
    )


def dump_all_tables() -> str:
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(rows)


def test_no_secret_is_stored_in_clear_text(mailbox):
    dump = dump_all_tables()
    for secret in (PASSWORD, CLIENT_SECRET, "refresh-token-abc"):
        assert secret not in dump
    assert "faktury@alpha.example" in dump  # the dump did read the mailbox row


def test_secrets_read_back_decrypted(mailbox):
    again = Mailbox.all_tenants.get(pk=mailbox.pk)
    assert (again.password, again.oauth_client_secret, again.oauth_token_cache) == (
        PASSWORD,
        CLIENT_SECRET,
        TOKEN_CACHE,
    )


def test_rotate_keys_re_encrypts_with_the_newest_key_so_the_old_one_can_go(mailbox, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    again = Mailbox.all_tenants.get(pk=mailbox.pk)
    assert again.password == PASSWORD
    assert again.oauth_token_cache == TOKEN_CACHE


def test_a_secret_encrypted_with_a_removed_key_fails_loudly(mailbox, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    _fernet.cache_clear()
    with pytest.raises(SecretUnreadable):
        Mailbox.all_tenants.get(pk=mailbox.pk)


def test_an_empty_secret_is_stored_empty(world_a):
    box = Mailbox.all_tenants.create(
        tenant=world_a.tenant, name="x", host="h.example", email_address="a@b.example"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM mailboxes_mailbox WHERE id = %s", [box.pk])
        assert cursor.fetchone() == ("",)


def test_dumpdata_never_writes_a_secret(mailbox, world_a, tmp_path):
    from tests.builders.two_factor import confirmed_authenticator

    device = confirmed_authenticator(world_a.operator.user)
    out = tmp_path / "dump.json"
    # --all: the base manager, as a dump of every tenant needs (the default manager is tenant-scoped).
    call_command(
        "dumpdata", "mailboxes.mailbox", "intake.authenticatorapp", all=True, output=str(out), verbosity=0
    )
    dump = out.read_text()
    for secret in (PASSWORD, CLIENT_SECRET, "refresh-token-abc", device.key):
        assert secret not in dump
    assert "faktury@alpha.example" in dump  # the mailbox itself was dumped
