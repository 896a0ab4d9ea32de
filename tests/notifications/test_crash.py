"""kill -9 the sending process around the SMTP exchange, restart it, and count what the recipient got.

The child process talks to the real aiosmtpd server of this test process; the only thing added to it is a
stall around the SMTP call, so the kill lands exactly where we want it: before the server accepted the
mail, or after it accepted it and before the outbox recorded that.
"""

import select
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from mailboxes.models import Notification
from tests.builders import queue
from tests.mailboxes.test_crash_safety import child_environment
from tests.notifications.helpers import parse

STALLING_SENDER = """
import time
import django

django.setup()
from mailboxes.notifications.sending import send_notification
from mailboxes.protocols import smtp

deliver = smtp.send


def stalling_send(*args, **kwargs):
    if {stall_before}:
        print("about to connect", flush=True)
        time.sleep(600)
    deliver(*args, **kwargs)
    print("accepted", flush=True)  # the server answered 250 to the DATA: the mail is on its way
    time.sleep(600)  # the outcome would be recorded now; the test kills the process first


smtp.send = stalling_send
send_notification({notification_id})
"""

SENDER = """
import django

django.setup()
from mailboxes.notifications.sending import send_notification

print(send_notification({notification_id}))
"""


def start(code: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env=child_environment(),
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_after(process: subprocess.Popen, signal_line: str) -> None:
    ready, _, _ = select.select([process.stdout], [], [], 30)
    assert ready, process.stderr.read() if process.poll() is not None else "the sender said nothing"
    assert process.stdout.readline().strip() == signal_line
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def restart(notification) -> str:
    process = start(SENDER.format(notification_id=notification.pk))
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return out.strip()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stall_before", [False, True], ids=["killed-after-acceptance", "killed-before-smtp"])
def test_a_sender_killed_around_the_smtp_exchange_delivers_once_or_a_duplicate_with_the_same_message_id(
    notification_mailbox, world_a, smtp_server, stall_before
):
    notification_mailbox()
    notification = queue(world_a)
    process = start(STALLING_SENDER.format(stall_before=stall_before, notification_id=notification.pk))
    kill_after(process, "about to connect" if stall_before else "accepted")
    received = smtp_server.messages_for(rcpt="operator@alpha.example")
    assert len(received) == (0 if stall_before else 1)
    row = Notification.all_tenants.get(pk=notification.pk)
    assert (row.state, row.attempts) == ("sending", 1)  # claimed by the dead worker, attempt counted

    # A restarted worker leaves a live claim alone: the dead worker might still be sending, for all it knows.
    assert restart(notification) == "skipped"
    Notification.all_tenants.filter(pk=notification.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)  # the claim's lifetime passes
    )
    assert restart(notification) == "sent"
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("sent", 2)

    received = smtp_server.wait_for_messages(1 if stall_before else 2, rcpt="operator@alpha.example")
    if stall_before:
        # Killed before the server had the mail: the recipient gets it exactly once.
        assert len(received) == 1
    else:
        # Killed after the server accepted it: SMTP cannot say "you already have this", so it is sent
        # again, as the same message: same Message-ID, same content.
        assert len(received) == 2
        first, second = (parse(m) for m in received)
        assert first["Message-ID"] == second["Message-ID"] == row.message_id
        assert first.get_body(("plain",)).get_content() == second.get_body(("plain",)).get_content()
    assert all(parse(m)["Message-ID"] == row.message_id for m in received)
