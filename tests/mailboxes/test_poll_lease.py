"""One worker per mailbox for real: a heartbeat keeps the lease through a slow fetch, a poll that loses it
stops at once, and a restart after a dead holder resumes at once instead of waiting for the lease."""

import os
import signal
import socket
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from intake.claims import Holder, _process_start
from mailboxes.models import Buffer, Mailbox, Message
from mailboxes.polling import fetching, lease
from mailboxes.polling import poll as polling
from tests.builders import append_many, invoice_mail
from tests.mailboxes.test_crash_safety import child_environment
from tests.servers.faulty_link import FaultyLink

pytestmark = pytest.mark.django_db(transaction=True)

MAIL_BYTES = 120_000


@pytest.fixture
def short_lease(monkeypatch):
    """A lease of 2 s with a heartbeat every 0.3 s: a fetch of a few seconds outlasts it many times."""
    monkeypatch.setattr(lease.leases, "ttl", timedelta(seconds=2))
    monkeypatch.setattr(lease, "HEARTBEAT_SECONDS", 0.3)
    monkeypatch.setattr(fetching, "WAIT_SECONDS", 0.1)


@pytest.fixture
def slow_buffer(make_mailbox, dovecot, imap_user, world_a):
    """A buffer polled through a link that trickles after the login: 4 mails take about 5 s."""
    mails = [invoice_mail(n, attachments=[(f"f-{n}.pdf", os.urandom(MAIL_BYTES))]) for n in range(4)]
    append_many(dovecot, imap_user.login, "INBOX", mails)
    with FaultyLink(dovecot.imaps_port) as link:
        link.trickle_after, link.rate = 20_000, 120_000
        mailbox = make_mailbox(port=link.port, login=imap_user.login, password=imap_user.password)
        buffer = Buffer.all_tenants.create(tenant=world_a.tenant, name="slow", mailbox=mailbox)
        yield buffer, link


def _lease_row(mailbox_id):
    return Mailbox.all_tenants.values("poll_lock_token", "poll_lock_holder").get(pk=mailbox_id)


def test_the_heartbeat_keeps_the_lease_through_a_fetch_longer_than_the_lease(short_lease, slow_buffer):
    buffer, _link = slow_buffer
    outcome = {}
    poll = threading.Thread(
        target=lambda: outcome.update(result=polling.poll_mailbox(buffer.mailbox_id, buffer_ids=[buffer.pk]))
    )
    poll.start()
    while not _lease_row(buffer.mailbox_id)["poll_lock_token"]:
        poll.join(0.02)
    refused = 0
    while poll.is_alive():
        # Another worker keeps trying: the lease never lapses while the poll works, however long.
        taken = lease.acquire_lock(buffer.mailbox_id)
        if not isinstance(taken, lease.Locked):
            poll.join(5)
            assert not poll.is_alive(), "a second worker got the lease during the poll"
            lease.release_lock(buffer.mailbox_id, taken)
            break
        refused += 1
        poll.join(0.25)
    assert refused >= 8  # the fetch really outlasted the 2 s lease several times over
    result = outcome["result"]
    assert (result.error, result.new_messages) == ("", {buffer.pk: 4})
    assert Message.all_tenants.filter(buffer=buffer).count() == 4
    assert _lease_row(buffer.mailbox_id) == {"poll_lock_token": "", "poll_lock_holder": ""}


def test_a_poll_whose_lease_is_taken_stops_at_its_next_heartbeat_and_says_so(
    short_lease, slow_buffer, caplog
):
    buffer, link = slow_buffer
    outcome = {}
    poll = threading.Thread(
        target=lambda: outcome.update(result=polling.poll_mailbox(buffer.mailbox_id, buffer_ids=[buffer.pk]))
    )
    poll.start()
    while not link.delivered and poll.is_alive():
        poll.join(0.05)
    # Another worker takes the mailbox over (as if this poll had stalled past its lease).
    Mailbox.all_tenants.filter(pk=buffer.mailbox_id).update(
        poll_lock_token="another-worker", poll_lock_expires_at=timezone.now() + timedelta(minutes=5)
    )
    poll.join(60)
    assert not poll.is_alive()
    result = outcome["result"]
    assert result.error == polling.LEASE_LOST and result.failed
    assert "another worker took this mailbox over" in caplog.text
    # It stopped promptly: the trickling fetch was abandoned, not waited for, and nothing was stored.
    assert link.delivered < 4 * MAIL_BYTES
    assert not Message.all_tenants.filter(buffer=buffer).exists()
    assert _lease_row(buffer.mailbox_id)["poll_lock_token"] == "another-worker"  # not released by the loser
    mailbox = Mailbox.all_tenants.get(pk=buffer.mailbox_id)
    assert (mailbox.state, mailbox.last_error) == (Mailbox.State.UNTESTED, "")  # the new holder's to record


def _holding(mailbox_id, holder: str, *, minutes=5):
    Mailbox.all_tenants.filter(pk=mailbox_id).update(
        poll_lock_token="held",
        poll_lock_expires_at=timezone.now() + timedelta(minutes=minutes),
        poll_lock_holder=holder,
    )


def test_a_lease_of_a_dead_process_on_this_host_is_taken_over_at_once(
    make_mailbox, dovecot, imap_user, world_a
):
    append_many(dovecot, imap_user.login, "INBOX", [invoice_mail(n) for n in range(2)])
    mailbox = make_mailbox(port=dovecot.imaps_port, login=imap_user.login, password=imap_user.password)
    buffer = Buffer.all_tenants.create(tenant=world_a.tenant, name="dead", mailbox=mailbox)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    _holding(mailbox.pk, str(Holder(socket.gethostname(), gone.pid, "1")))
    assert polling.poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk]).new_messages == {buffer.pk: 2}
    # A pid reused by another program is dead too: the start time recorded with it differs.
    own_start = _process_start(os.getpid())
    _holding(mailbox.pk, str(Holder(socket.gethostname(), os.getpid(), str(int(own_start) + 1))))
    assert polling.poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk]).skipped == ""


def test_a_live_holder_or_one_on_another_host_is_waited_for_and_named(make_mailbox, world_a):
    mailbox = make_mailbox(port=1)
    buffer = Buffer.all_tenants.create(tenant=world_a.tenant, name="held", mailbox=mailbox)
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as alive:
        try:
            _holding(mailbox.pk, str(Holder(socket.gethostname(), alive.pid, _process_start(alive.pid))))
            skipped = polling.poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk]).skipped
            assert skipped.startswith(f"locked by {socket.gethostname()}, process {alive.pid}, until ")
        finally:
            alive.send_signal(signal.SIGKILL)
    # On another machine a holder cannot be asked: its lease has to run out (a short one, kept by heartbeat).
    _holding(mailbox.pk, "worker-2.example 4242 99")
    assert polling.poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk]).skipped.startswith(
        "locked by worker-2.example, process 4242, until "
    )
    _holding(mailbox.pk, "worker-2.example 4242 99", minutes=-1)  # it ran out
    assert not polling.poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk]).skipped.startswith("locked")


def test_a_poll_killed_mid_fetch_is_resumed_by_the_next_at_once(
    make_mailbox, dovecot, imap_user, world_a, settings
):
    """kill -9 of a polling process; the restart, seconds later, polls instead of reporting "locked"."""
    mails = [invoice_mail(n, attachments=[(f"f-{n}.pdf", os.urandom(MAIL_BYTES))]) for n in range(6)]
    append_many(dovecot, imap_user.login, "INBOX", mails)
    with FaultyLink(dovecot.imaps_port) as link:
        link.trickle_after, link.rate = 20_000, 100_000
        mailbox = make_mailbox(port=link.port, login=imap_user.login, password=imap_user.password)
        buffer = Buffer.all_tenants.create(tenant=world_a.tenant, name="killed", mailbox=mailbox)
        code = (
            "import django; django.setup(); from mailboxes.polling.poll import poll_mailbox; "
            f"poll_mailbox({mailbox.pk}, buffer_ids=[{buffer.pk}])"
        )
        process = subprocess.Popen(
            [sys.executable, "-c", code], env=child_environment(), cwd=settings.BASE_DIR
        )
        while not link.delivered and process.poll() is None:
            threading.Event().wait(0.05)
        holder = Holder.parse(_lease_row(mailbox.pk)["poll_lock_holder"])
        assert holder is not None and holder.pid == process.pid  # the lease names its process
        process.send_signal(signal.SIGKILL)
        process.wait()
        link.heal()
        result = polling.poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk])
    assert result.skipped == "" and result.error == ""
    assert Message.all_tenants.filter(buffer=buffer).count() == 6
