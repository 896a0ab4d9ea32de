"""The pipeline's promise, as a property: whatever a mail's bytes are, importing or polling it never
fails, stores it exactly once (readable or unreadable, with a reason), and keeps its raw bytes exactly."""

import itertools
import tempfile
from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailboxes.models import Buffer, Message
from mailboxes.polling.poll import poll_mailbox
from tests.builders.hostile_mail import mutated_mails

_numbers = itertools.count(1)
FIXTURES_REUSED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]


def assert_each_kept_once(buffer, expected: list[bytes]) -> None:
    messages = list(Message.all_tenants.filter(buffer=buffer))
    assert len(messages) == len(expected)
    kept = sorted(default_storage.open(m.raw.name).read() for m in messages)
    assert kept == sorted(expected)  # byte for byte, every one once
    for message in messages:
        assert message.state in (Message.State.NEW, Message.State.UNREADABLE)
        if message.state == Message.State.UNREADABLE:
            assert message.unreadable_reason


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURES_REUSED)
@given(mails=st.lists(mutated_mails(), min_size=1, max_size=6))
def test_import_eml_never_fails_and_keeps_every_mutated_mail_once(make_mailbox, world_a, mails):
    buffer = Buffer.all_tenants.create(
        tenant=world_a.tenant, name=f"import {next(_numbers)}", mailbox=make_mailbox()
    )
    distinct = list(dict.fromkeys(mails))  # the import deduplicates identical files by content
    with tempfile.TemporaryDirectory() as folder, open("/dev/null", "w") as devnull:
        for number, raw in enumerate(distinct):
            (Path(folder) / f"{number:03}.eml").write_bytes(raw)
        call_command("import_eml", folder, "--buffer", str(buffer.pk), stdout=devnull, stderr=devnull)
    assert_each_kept_once(buffer, distinct)


@settings(max_examples=12, deadline=None, suppress_health_check=FIXTURES_REUSED)
@given(mails=st.lists(mutated_mails(), min_size=1, max_size=6))
def test_a_poll_never_fails_and_keeps_every_mutated_mail_once(make_mailbox, world_a, dovecot, mails):
    user = dovecot.add_user()
    appended = []
    with dovecot.connect(user.login) as client:
        for raw in mails:
            try:
                client.append("INBOX", raw)
            except Exception:  # noqa: S112 - the server refuses some bytes (NUL in a literal): not ours
                continue
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        # What the server hands out is what the poll must keep, byte for byte.
        appended = [data[b"BODY[]"] for data in client.fetch(uids, ["BODY.PEEK[]"]).values()] if uids else []
    mailbox = make_mailbox(port=dovecot.imaps_port, login=user.login, password=user.password)
    buffer = Buffer.all_tenants.create(tenant=world_a.tenant, name=f"poll {next(_numbers)}", mailbox=mailbox)
    result = poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk])
    assert result.error == ""
    assert_each_kept_once(buffer, appended)
    buffer.refresh_from_db()
    assert buffer.last_error == "" and (not uids or buffer.last_uid == max(uids))
    # Polling again stores nothing twice.
    assert poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk]).new_messages.get(buffer.pk, 0) == 0
    assert Message.all_tenants.filter(buffer=buffer).count() == len(appended)
