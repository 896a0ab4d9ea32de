"""Every failed poll is recorded where it belongs and said aloud: a cut connection or a killed fetching
process on the mailbox (and its buffers), a folder's problem on its buffer, the portal's own storage
(full, read-only) on the buffers without blaming the mailbox; the foreground command exits non-zero and
the Celery task fails. After the fault, the next poll completes the folder exactly once."""

import io
import os
import signal
import subprocess
import threading

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from intake.reasons import in_english
from mailboxes import tasks
from mailboxes.models import Buffer, Mailbox, Message
from mailboxes.polling import fetching
from mailboxes.polling import poll as polling
from mailboxes.polling.poll import PollFailed
from tests.builders import append_many, invoice_mail
from tests.servers.faulty_link import FaultyLink

pytestmark = pytest.mark.django_db(transaction=True)

ATTACHMENT = 150_000


@pytest.fixture
def four_mails(dovecot, imap_user):
    mails = [invoice_mail(n, attachments=[(f"f-{n}.pdf", os.urandom(ATTACHMENT))]) for n in range(4)]
    append_many(dovecot, imap_user.login, "INBOX", mails)
    return mails


@pytest.fixture
def linked_buffer(make_mailbox, dovecot, imap_user, world_a, four_mails):
    """A buffer whose mailbox reaches Dovecot through a link the test can break."""
    with FaultyLink(dovecot.imaps_port) as link:
        mailbox = make_mailbox(port=link.port, login=imap_user.login, password=imap_user.password)
        yield Buffer.all_tenants.create(tenant=world_a.tenant, name="linked", mailbox=mailbox), link


def _poll_command(buffer) -> tuple[bool, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("poll", buffer=[buffer.pk], stdout=out, stderr=err)
    except CommandError:
        return False, out.getvalue(), err.getvalue()
    return True, out.getvalue(), err.getvalue()


def _refreshed(buffer):
    buffer.refresh_from_db()
    return buffer, Mailbox.all_tenants.get(pk=buffer.mailbox_id)


def _completes_exactly_once(buffer, mails):
    assert polling.poll_mailbox(buffer.mailbox_id, buffer_ids=[buffer.pk]).failed is False
    stored = Message.all_tenants.filter(buffer=buffer)
    assert sorted(stored.values_list("uid", flat=True)) == [1, 2, 3, 4]
    buffer, mailbox = _refreshed(buffer)
    assert (buffer.last_error, mailbox.state, mailbox.last_error) == ("", Mailbox.State.READY, "")


@pytest.mark.parametrize("cut", ["fin", "rst"])
def test_a_connection_cut_mid_fetch_fails_the_mailbox_loudly(linked_buffer, four_mails, cut):
    buffer, link = linked_buffer
    link.cut_after, link.cut = 2 * ATTACHMENT, cut  # inside the second mail
    ok, _, err = _poll_command(buffer)
    assert not ok and f"mailbox {buffer.mailbox_id}: " in err
    buffer, mailbox = _refreshed(buffer)
    assert mailbox.state == Mailbox.State.FAILING and mailbox.last_error
    assert buffer.last_error == mailbox.last_error and buffer.consecutive_failures == 1
    assert in_english(mailbox.last_error) in err
    # The worker's task fails too, so the failure is listed among failed tasks.
    with pytest.raises(PollFailed, match=f"mailbox {buffer.mailbox_id}: "):
        tasks.poll_mailbox.apply(args=[buffer.mailbox_id], throw=True)
    link.heal()
    _completes_exactly_once(buffer, four_mails)


def _forked_children() -> set[int]:
    """Children of this process that are forks of it (same command line): the poll's fetchers."""
    with open("/proc/self/cmdline", "rb") as handle:
        ours = handle.read()
    found = set()
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/children") as handle:
            for pid in map(int, handle.read().split()):
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                        if cmdline.read() == ours:
                            found.add(pid)
                except OSError:
                    pass
    return found


def test_a_killed_fetching_process_fails_the_poll_on_the_mailbox_not_as_the_servers_fault(
    linked_buffer, four_mails, monkeypatch
):
    buffer, link = linked_buffer
    link.trickle_after, link.rate = 20_000, 150_000
    monkeypatch.setattr(fetching, "FORK_THRESHOLD", 1)  # two fetching processes even for four mails
    monkeypatch.setattr(polling, "BATCH_MAILS", 1)
    killed, before = [], _forked_children()

    def kill_a_fetcher():
        while not (fetchers := _forked_children() - before):
            threading.Event().wait(0.02)
        threading.Event().wait(0.3)  # it is fetching now
        victim = min(fetchers)
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)

    killer = threading.Thread(target=kill_a_fetcher)
    killer.start()
    result = polling.poll_mailbox(buffer.mailbox_id, buffer_ids=[buffer.pk])
    killer.join()
    assert killed and result.failed
    buffer, mailbox = _refreshed(buffer)
    assert "fetching process of the portal stopped unexpectedly" in in_english(mailbox.last_error)
    assert "did not expect" not in mailbox.last_error  # not blamed on the server's answers
    assert mailbox.state == Mailbox.State.FAILING and buffer.last_error == mailbox.last_error
    link.heal()
    monkeypatch.setattr(polling, "BATCH_MAILS", 50)
    _completes_exactly_once(buffer, four_mails)


def test_a_missing_folder_fails_its_buffer_and_the_command(make_mailbox, dovecot, imap_user, world_a):
    mailbox = make_mailbox(port=dovecot.imaps_port, login=imap_user.login, password=imap_user.password)
    gone = Buffer.all_tenants.create(tenant=world_a.tenant, name="gone", mailbox=mailbox, folder="Nope")
    ok, _, err = _poll_command(gone)
    assert not ok and f"buffer {gone.pk}: " in err
    gone, mailbox = _refreshed(gone)
    assert gone.last_error and mailbox.state == Mailbox.State.READY  # the server itself answered fine


# -- the portal's own storage -------------------------------------------------------------------------------


def _fill(disk, leave: int) -> None:
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with open(disk / "filler", "wb") as handle:
        handle.write(b"\0" * max(free - leave, 0))


def _leftovers(disk) -> list[str]:
    return [name for _, _, names in os.walk(disk) for name in names if name.endswith(".part")]


@pytest.mark.parametrize("processes", [False, True], ids=["thread", "fetching processes"])
def test_a_full_disk_is_the_portals_fault_not_the_mailboxes(
    make_mailbox,
    dovecot,
    imap_user,
    world_a,
    four_mails,
    tiny_disk,
    settings,
    monkeypatch,
    caplog,
    client_for,
    processes,
):
    settings.MEDIA_ROOT = str(tiny_disk)
    if processes:
        monkeypatch.setattr(fetching, "FORK_THRESHOLD", 1)
    mailbox = make_mailbox(port=dovecot.imaps_port, login=imap_user.login, password=imap_user.password)
    buffer = Buffer.all_tenants.create(tenant=world_a.tenant, name="full", mailbox=mailbox)
    _fill(tiny_disk, leave=100_000)
    ok, _, err = _poll_command(buffer)
    assert not ok and "The portal's storage is full" in err
    buffer, mailbox = _refreshed(buffer)
    assert in_english(buffer.last_error).startswith("The portal's storage is full")
    assert mailbox.state != Mailbox.State.FAILING and mailbox.last_error == ""  # the server did nothing wrong
    assert any(r.levelname == "ERROR" and "storage fault" in r.getMessage() for r in caplog.records)
    assert _leftovers(tiny_disk) == []  # no half-written temporaries
    if not processes:  # where administrators look, in their language: the mailbox page and the buffer list
        admin = client_for(world_a.admin)
        polish = {"headers": {"accept-language": "pl"}}
        page = admin.get(reverse("admin:mailboxes_mailbox_change", args=[mailbox.pk]), **polish)
        assert "Magazyn plików portalu jest pełny" in page.content.decode()
        listing = admin.get(reverse("admin:mailboxes_buffer_changelist"), **polish)
        assert "Magazyn plików portalu jest pełny" in listing.content.decode()
    os.remove(tiny_disk / "filler")
    _completes_exactly_once(buffer, four_mails)


def test_a_read_only_disk_says_so(make_mailbox, dovecot, imap_user, world_a, four_mails, tiny_disk, settings):
    settings.MEDIA_ROOT = str(tiny_disk)
    mailbox = make_mailbox(port=dovecot.imaps_port, login=imap_user.login, password=imap_user.password)
    buffer = Buffer.all_tenants.create(tenant=world_a.tenant, name="read-only", mailbox=mailbox)
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    result = polling.poll_mailbox(buffer.mailbox_id, buffer_ids=[buffer.pk])
    assert result.error.startswith("The portal's storage is not writable")
    buffer, mailbox = _refreshed(buffer)
    assert in_english(buffer.last_error) == result.error and mailbox.state != Mailbox.State.FAILING
    subprocess.run(["mount", "-o", "remount,rw", str(tiny_disk)], check=True)
    _completes_exactly_once(buffer, four_mails)


def test_a_connection_cut_inside_a_large_mail_written_as_it_comes_is_the_servers_fault(
    make_mailbox, dovecot, imap_user, world_a
):
    """A mail above LARGE_MAIL is written to its file while it is read from the server: a cut in the
    middle is the connection's failure, never reported as the portal's storage."""
    big = invoice_mail(1, attachments=[("scan.pdf", os.urandom(fetching.LARGE_MAIL))])
    append_many(dovecot, imap_user.login, "INBOX", [big])
    with FaultyLink(dovecot.imaps_port) as link:
        link.cut_after, link.cut = 4 * 1024 * 1024, "rst"  # a reset: an OSError from the socket
        mailbox = make_mailbox(port=link.port, login=imap_user.login, password=imap_user.password)
        buffer = Buffer.all_tenants.create(tenant=world_a.tenant, name="big", mailbox=mailbox)
        result = polling.poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk])
    assert result.failed and "storage" not in result.error
    buffer, mailbox = _refreshed(buffer)
    assert mailbox.state == Mailbox.State.FAILING and "storage" not in mailbox.last_error
    assert not Message.all_tenants.filter(buffer=buffer).exists()
