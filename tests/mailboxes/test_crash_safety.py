"""kill -9 a polling process at random instants, restart it, and check every mail is stored exactly once."""

import os
import random
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection

from intake.files import sha256_hex
from mailboxes.models import Attachment, Buffer, Message
from tests.builders import append_many, invoice_mail

MAILS = 400
KILLS = 6


def child_environment() -> dict:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": url,
        "INTAKE_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }


def start_poll(buffer) -> subprocess.Popen:
    code = (
        "import django; django.setup(); from mailboxes.polling.poll import poll_mailbox; "
        f"print(poll_mailbox({buffer.mailbox_id}, buffer_ids=[{buffer.pk}]))"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env=child_environment(),
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.django_db(transaction=True)
def test_a_poll_killed_at_random_points_ends_with_every_mail_exactly_once(make_mailbox, dovecot, world_a):
    user = dovecot.add_user()
    mails = [invoice_mail(n, attachments=[(f"faktura-{n}.pdf", os.urandom(30_000))]) for n in range(MAILS)]
    append_many(dovecot, user.login, "INBOX", mails)
    mailbox = make_mailbox(port=dovecot.imaps_port, login=user.login, password=user.password)
    buffer = Buffer.all_tenants.create(tenant=world_a.tenant, name="crash", mailbox=mailbox)
    rng = random.Random(20261126)
    kills = 0
    stored = Message.all_tenants.filter(buffer=buffer)
    # Kill once progress passes a random point, then a random few milliseconds later: inside fetching,
    # parsing, file writing or a commit, wherever that lands.
    for target in sorted(rng.sample(range(MAILS - 60), KILLS)):
        process = start_poll(buffer)
        while process.poll() is None and stored.count() < target:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.08))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
        # No waiting for the killed poll's lease to run out: the next poll sees its holder is dead.
    process = start_poll(buffer)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    assert kills >= 3  # the test really interrupted polls

    assert stored.count() == MAILS
    assert sorted(stored.values_list("uid", flat=True)) == list(range(1, MAILS + 1))
    with dovecot.connect(user.login) as client:
        client.select_folder("INBOX", readonly=True)
        by_uid = {
            uid: data[b"BODY[]"] for uid, data in client.fetch(client.search("ALL"), ["BODY.PEEK[]"]).items()
        }
    for message in stored:
        assert default_storage.open(message.raw.name).read() == by_uid[message.uid]
        [attachment] = Attachment.all_tenants.filter(message=message)
        assert sha256_hex(default_storage.open(attachment.file.name).read()) == attachment.sha256
    # No files without rows: every folder written belongs to a stored mail.
    base = f"tenants/{world_a.tenant.pk}/mail/{buffer.pk}/{stored.first().uidvalidity}"
    assert {int(d) for d in default_storage.listdir(base)[0]} == set(range(1, MAILS + 1))
