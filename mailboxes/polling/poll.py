"""The poll: bring every due buffer of one mailbox up to date with its IMAP folder, exactly once per mail.

Invariants:
- One worker per mailbox at a time: a lease in the database (see lease), kept alive by a heartbeat while
  the poll fetches and renewed with every commit; a poll that lost it stops and stores nothing more.
- A mail's rows and the buffer's high-water UID are committed together, after its files are written
  (see ingest), so a poll killed at any instant resumes without gaps or duplicates.
- A failure is recorded where it belongs, with backoff: the server's (connection, sign-in, a fetching
  process that died) on the mailbox and its buffers; a folder's on its buffer; the portal's storage
  (full, not writable) on the buffers only, never blaming the mailbox. Repeated authentication
  failures stop polling until an administrator fixes the mailbox.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from intake import reasons, storage_faults
from intake.claims import ClaimLost, backoff
from intake.storage_faults import StorageFault
from intake.tenancy import tenant_context
from mailboxes.connections import state
from mailboxes.connections.credentials import with_server
from mailboxes.models import Buffer, Mailbox, Message
from mailboxes.notifications import outbox
from mailboxes.polling import fetching, ingest, resync
from mailboxes.polling.lease import Lease, Locked, acquire_lock, leases, release_lock
from mailboxes.polling.scheduling import CLAIM_LEASE, all_due_again
from mailboxes.protocols import imap
from mailboxes.protocols.errors import (
    MailConnectionError,
)

logger = logging.getLogger(__name__)

LEASE_LOST = "polling stopped: another worker took this mailbox over (this poll's lease could not be renewed)"

MAX_BACKOFF = timedelta(hours=1)
AUTH_FAILURE_LIMIT = state.AUTH_FAILURE_LIMIT
BATCH_MAILS = 50
BATCH_BYTES = 16 * 1024 * 1024  # a batch is fetched into memory whole; large mails go alone
SUMMARY_CHUNK = 5000  # UIDs asked about between two heartbeats


@dataclass
class PollResult:
    mailbox_id: int
    skipped: str = ""
    error: str = ""
    new_messages: dict[int, int] = field(default_factory=dict)  # buffer id -> mails stored
    buffer_errors: dict[int, str] = field(default_factory=dict)  # buffer id -> its folder's problem

    @property
    def failed(self) -> bool:
        return bool(self.error or self.buffer_errors)

    def problems(self) -> list[str]:
        """What went wrong, one line each, for a command's output or a task's failure."""
        lines = [f"mailbox {self.mailbox_id}: {self.error}"] if self.error else []
        return lines + [f"buffer {pk}: {error}" for pk, error in self.buffer_errors.items()]


class PollFailed(Exception):
    """Raised by the task (not the service) so a failed poll shows as a failed task too."""


# -- the poll -------------------------------------------------------------------------------------------


def poll_mailbox(mailbox_id: int, *, buffer_ids: list[int] | None = None) -> PollResult:
    """Poll the claimed (or the given) buffers of one mailbox. Safe to call from any number of workers."""
    result = PollResult(mailbox_id)
    claimed_at = time.monotonic()  # the lease's expiry is at least its ttl after this
    token = acquire_lock(mailbox_id)
    if isinstance(token, Locked):
        result.skipped = str(token)
        return result
    lease = Lease(mailbox_id, token, renewed_at=claimed_at)
    try:
        now = timezone.now()
        buffers = _claimed_buffers(mailbox_id, buffer_ids, now)
        if not buffers:
            result.skipped = "nothing due"
        else:
            with tenant_context(buffers[0].tenant):
                _poll_due_buffers(buffers[0].mailbox, buffers, lease, result, started=now)
    except ClaimLost as lost:
        # Another worker took the mailbox (our heartbeat could not renew in time): it owns every outcome
        # from now on, so nothing is recorded on the mailbox; the stop is logged and reported.
        taken = leases.holder(mailbox_id)
        by = taken[1].describe() if taken and taken[1] else "unknown"
        logger.warning("poll of mailbox %s: %s; now held by %s (%s)", mailbox_id, LEASE_LOST, by, lost)
        result.error = LEASE_LOST
    finally:
        if not lease.released:
            release_lock(mailbox_id, token)
    return result


def _claimed_buffers(mailbox_id: int, buffer_ids, now) -> list[Buffer]:
    """The buffers to poll (the given ones, or the due ones), with their mailbox and tenant, in one query;
    all of them share one Mailbox object, the one the poll records its outcome on."""
    # all_tenants: the task knows only the mailbox id; the tenant is activated from the rows read here,
    # and a buffer is read only with its mailbox's tenant.
    buffers = Buffer.all_tenants.filter(mailbox_id=mailbox_id, tenant=F("mailbox__tenant"))
    if buffer_ids is not None:
        buffers = buffers.filter(pk__in=buffer_ids)
    else:
        buffers = buffers.filter(enabled=True, next_poll_at__lte=now + CLAIM_LEASE)
    buffers = list(buffers.select_related("mailbox__tenant"))
    for buffer in buffers:
        buffer.mailbox = buffers[0].mailbox
        buffer.tenant = buffers[0].mailbox.tenant
    return buffers


def _poll_due_buffers(mailbox: Mailbox, buffers: list[Buffer], lease: Lease, result: PollResult, *, started):
    if state.polling_stopped(mailbox):
        # Hammering a server with a login it refuses gets accounts locked; wait for an administrator.
        with lease.holding():
            _postpone(buffers, MAX_BACKOFF, mailbox.last_error)
        result.skipped = "needs attention"
        return
    try:
        polled = with_server(mailbox, lambda server: _poll_buffers(server, mailbox, buffers, lease, result))
    except MailConnectionError as error:
        with lease.holding():
            _record_failure(mailbox, buffers, error)
        result.error = _in_english(error)
    except StorageFault as fault:
        # The portal's disk, not the mail server: the buffers wait and say why; the mailbox stays as it is.
        logger.error(
            "poll of mailbox %s stopped, storage fault: %s (%s)", mailbox.pk, _in_english(fault), fault.detail
        )
        with lease.holding():
            for buffer in buffers:
                _record_buffer_failure(buffer, fault)
        result.error = _in_english(fault)
    else:
        _record_success(mailbox, polled, lease, started=started)


def _poll_buffers(server, mailbox, buffers, lease: Lease, result) -> list[Buffer]:
    """Poll each buffer in one IMAP session; the buffers polled without a folder problem."""
    polled = []
    with imap.session(server) as client:
        for buffer in buffers:
            try:
                with imap.translated_errors(server):
                    result.new_messages[buffer.pk] = poll_buffer(client, server, buffer, lease)
            except FolderProblem as problem:
                # A folder problem (renamed, deleted) belongs to this buffer only: the others go on.
                with lease.holding():
                    _record_buffer_failure(buffer, problem.error)
                result.buffer_errors[buffer.pk] = _in_english(problem.error)
            else:
                polled.append(buffer)
    return polled


def _connection_alive(client) -> bool:
    try:
        client.noop()
    except Exception:  # any failure here means the session is gone; the caller re-raises the real error
        return False
    return True


class FolderProblem(Exception):
    """The buffer's folder could not be opened while the session stayed usable: the folder's fault."""

    def __init__(self, error: MailConnectionError):
        super().__init__(str(error))
        self.error = error


def _open_folder(client, server, buffer: Buffer):
    try:
        with imap.translated_errors(server):
            return imap.open_folder(client, buffer.folder)
    except MailConnectionError as error:
        if not _connection_alive(client):
            raise
        raise FolderProblem(error) from None


def poll_buffer(client, server, buffer: Buffer, lease: Lease) -> int:
    """Store the folder's mails that the buffer does not have yet; returns how many were stored."""
    folder = _open_folder(client, server, buffer)
    if buffer.uidvalidity is None:
        with lease.holding():
            Buffer.objects.filter(pk=buffer.pk).update(uidvalidity=folder.uidvalidity)
        buffer.uidvalidity = folder.uidvalidity
    elif buffer.uidvalidity != folder.uidvalidity:
        resync.resynchronise(client, buffer, folder.uidvalidity, lease)
    stored = 0
    # UIDNEXT tells whether anything arrived without a SEARCH: an idle poll costs the same on any folder size.
    if folder.uidnext is None or folder.uidnext > buffer.last_uid + 1:
        uids = imap.uids_above(client, buffer.last_uid)
        if uids:
            stored = ingest_uids(client, server, buffer, buffer.uidvalidity, uids, lease)
    return stored


def ingest_uids(client, server, buffer: Buffer, uidvalidity: int, uids: list[int], lease: Lease) -> int:
    """Fetch and store `uids` batch by batch; fetching runs alongside parsing and committing."""
    present = set()
    if buffer.last_uid == 0:  # after a resync, re-pointed mails are already here
        present = set(
            Message.objects.filter(buffer=buffer, uidvalidity=uidvalidity, uid__in=uids).values_list(
                "uid", flat=True
            )
        )
    summaries = [s for s in _summaries(client, uids, lease) if s.uid not in present]
    batches = [
        [(s.uid, s.size, ingest.fingerprint(s.message_id, s.internaldate, s.size)) for s in batch]
        for batch in _batches(summaries)
    ]
    job = fetching.Job(buffer.tenant_id, buffer.pk, buffer.folder, uidvalidity, batches, buffer.resyncs)
    stored = 0
    try:
        # Driven by the fetcher, so it always runs to its end (and its thread or processes with it).
        for index, prepared in enumerate(fetching.fetch_and_prepare(server, client, job, lease.keep_alive)):
            batch = batches[index]
            # The lease is renewed in the batch's own transaction: a poll that lost it stores nothing.
            with lease.holding():
                stored += len(ingest.store(buffer, prepared, advance_to_uid=batch[-1][0]))
    finally:
        if stored:
            # Notifications: each batch grew the buffer's held digests; one mail per recipient per poll.
            outbox.release_digests(buffer)
    if uids and buffer.last_uid < uids[-1]:
        with lease.holding():
            Buffer.objects.filter(pk=buffer.pk, last_uid__lt=uids[-1]).update(last_uid=uids[-1])
        buffer.last_uid = uids[-1]
    return stored


def _summaries(client, uids: list[int], lease: Lease):
    found = []
    for start in range(0, len(uids), SUMMARY_CHUNK):
        found += imap.summaries(client, uids[start : start + SUMMARY_CHUNK])
        lease.keep_alive()  # a large folder on a slow link takes a while to describe
    return found


def _batches(summaries):
    batch, size = [], 0
    for summary in summaries:
        if batch and (len(batch) >= BATCH_MAILS or size + summary.size > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(summary)
        size += summary.size
    if batch:
        yield batch


# -- outcomes (recorded by the caller inside the lease) ---------------------------------------------------


def _in_english(error) -> str:
    """What a poll reports (a command's output, a task's failure, the log) is in the source language."""
    with translation.override("en"):
        return str(error)


# The portal's storage faults as stored reasons (the texts are intake.storage_faults' own).
STORAGE_FULL = reasons.define(
    "storage.full", _("The portal's storage is full: new mail waits on the server until space is freed.")
)
STORAGE_NOT_WRITABLE = reasons.define(
    "storage.not_writable",
    _("The portal's storage is not writable: new mail waits on the server until it is."),
)
STORAGE_FAILED = reasons.define(
    "storage.failed", _("The portal could not write to its storage: new mail waits on the server.")
)


def stored_reason(error: MailConnectionError | StorageFault) -> str:
    """What a buffer keeps of a failure: its code and detail, shown in each reader's language."""
    if isinstance(error, StorageFault):
        if error.errno in storage_faults.FULL:
            return STORAGE_FULL.stored()
        return (
            STORAGE_NOT_WRITABLE if error.errno in storage_faults.NOT_WRITABLE else STORAGE_FAILED
        ).stored()
    return reasons.stored_text(error, 1000)


def _record_success(mailbox: Mailbox, polled: list[Buffer], lease: Lease, *, started) -> None:
    """A poll that reached the server: its buffers polled, the mailbox ready (which also clears its count
    of authentication failures; the end of an incident is told).

    The usual end, a ready mailbox and a lease renewed moments ago, takes two statements and no
    transaction: the buffers' outcome, written only while the lease holds (it cannot be expiring, so
    only a takeover already committed could stop it, and that one the statement sees), then the
    mailbox's, written with the lease's release. Anything else (a mailbox that was not ready, a lease
    renewed long ago or lost, a buffer gone meanwhile) takes the long way: one transaction in the lease.
    """
    if lease.surely_held():
        written = _record_polled(polled, started=started, where=lease.still_held())
        now = timezone.now()
        ready_now, checked = state.still_ready(now)
        if written == len(polled) and lease.release(where=ready_now, **checked):
            mailbox.last_checked_at, mailbox.auth_failures = now, 0
            return
    with lease.holding():  # one transaction for every outcome of a poll that reached the server
        _record_polled(polled, started=started)
        state.record_success(mailbox)


def _record_polled(buffers, *, started, where=None) -> int:
    """Record the buffers' successful poll in one UPDATE (only where `where` holds); how many it wrote."""
    if not buffers:
        return 0
    rows = Buffer.objects.filter(pk__in=[buffer.pk for buffer in buffers])
    if where is not None:
        rows = rows.filter(where)
    return rows.update(
        last_polled_at=timezone.now(),
        last_error="",
        consecutive_failures=0,
        next_poll_at=all_due_again(buffers, started),
    )


def _postpone(buffers, delay: timedelta, reason: str) -> None:
    Buffer.objects.filter(pk__in=[b.pk for b in buffers]).update(
        next_poll_at=timezone.now() + delay, last_error=reason[:1000]
    )


def _record_buffer_failure(buffer: Buffer, error: MailConnectionError | StorageFault) -> None:
    failures = buffer.consecutive_failures + 1
    delay = backoff(failures, first=2 * buffer.interval, limit=MAX_BACKOFF)
    reason = stored_reason(error)
    Buffer.objects.filter(pk=buffer.pk).update(
        last_error=reason,
        consecutive_failures=F("consecutive_failures") + 1,
        next_poll_at=timezone.now() + delay,
    )


def _record_failure(mailbox: Mailbox, buffers, error: MailConnectionError) -> None:
    with translation.override("en"):
        # Counts authentication failures too: the one reaching the limit stops polling and says so at once.
        state.record_poll_failure(mailbox, error)
    for buffer in buffers:
        _record_buffer_failure(buffer, error)
    logger.warning("poll of mailbox %s failed: %s", mailbox.pk, error)
