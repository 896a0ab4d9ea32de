"""The poll: bring every due buffer of one mailbox up to date with its IMAP folder, exactly once per mail.

Invariants:
- One worker per mailbox at a time: a lease in the database (compare-and-set), renewed after every batch
  and expiring on its own if its holder dies.
- A mail's rows and the buffer's high-water UID are committed together, after its files are written
  (see ingest), so a poll killed at any instant resumes without gaps or duplicates.
- A failure is recorded on the mailbox and the buffer with backoff; repeated authentication failures
  stop polling until an administrator fixes the mailbox.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from intake.claims import ClaimLost, backoff
from intake.tenancy import tenant_context
from mailboxes.connections import state
from mailboxes.connections.credentials import with_server
from mailboxes.models import Buffer, Mailbox, Message
from mailboxes.notifications import outbox
from mailboxes.polling import fetching, ingest, resync
from mailboxes.polling.lease import Lease, acquire_lock, release_lock
from mailboxes.protocols import imap
from mailboxes.protocols.errors import (
    AuthenticationRejected,
    MailConnectionError,
    ProtocolFailure,
    SignInRequired,
)

logger = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=5)  # how far beat pushes a claimed buffer, so it is not enqueued twice
MAX_BACKOFF = timedelta(hours=1)
AUTH_FAILURE_LIMIT = 3
BATCH_MAILS = 50
BATCH_BYTES = 16 * 1024 * 1024  # a batch is fetched into memory whole; large mails go alone


@dataclass
class PollResult:
    mailbox_id: int
    skipped: str = ""
    error: str = ""
    new_messages: dict[int, int] = field(default_factory=dict)  # buffer id -> mails stored


# -- the poll -------------------------------------------------------------------------------------------


def poll_mailbox(mailbox_id: int, *, buffer_ids: list[int] | None = None) -> PollResult:
    """Poll the claimed (or the given) buffers of one mailbox. Safe to call from any number of workers."""
    result = PollResult(mailbox_id)
    token = acquire_lock(mailbox_id)
    if token is None:
        result.skipped = "locked"
        return result
    lease = Lease(mailbox_id, token)
    try:
        # all_tenants: the task knows only the mailbox id; its tenant is activated from the row.
        mailbox = Mailbox.all_tenants.select_related("tenant").get(pk=mailbox_id)
        with tenant_context(mailbox.tenant):
            _poll_due_buffers(mailbox, buffer_ids, lease, result)
    except ClaimLost as lost:
        # Took longer than the lease: another worker polls this mailbox now and owns every outcome.
        logger.warning("poll of mailbox %s stopped: %s", mailbox_id, lost)
        result.skipped = "lease lost"
    finally:
        release_lock(mailbox_id, token)
    return result


def _poll_due_buffers(mailbox: Mailbox, buffer_ids, lease: Lease, result: PollResult) -> None:
    now = timezone.now()
    if buffer_ids is not None:
        buffers = Buffer.objects.filter(mailbox=mailbox, pk__in=buffer_ids)
    else:
        buffers = Buffer.objects.filter(mailbox=mailbox, enabled=True, next_poll_at__lte=now + CLAIM_LEASE)
    buffers = list(buffers.select_related("tenant"))
    if not buffers:
        result.skipped = "nothing due"
        return
    if mailbox.state == Mailbox.State.NEEDS_SIGN_IN or mailbox.auth_failures >= AUTH_FAILURE_LIMIT:
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
        result.error = str(error)
    else:
        with lease.holding():  # one transaction for every outcome of a poll that reached the server
            _record_polled(polled)
            state.record_success(mailbox)  # also clears the count of authentication failures


def _poll_buffers(server, mailbox, buffers, lease: Lease, result) -> list[Buffer]:
    """Poll each buffer in one IMAP session; the buffers polled without a folder problem."""
    polled = []
    with imap.session(server) as client:
        for buffer in buffers:
            try:
                with imap.translated_errors(server):
                    result.new_messages[buffer.pk] = poll_buffer(client, server, buffer, lease)
            except ProtocolFailure as error:
                if not _connection_alive(client):
                    raise
                # A folder problem (renamed, deleted) belongs to this buffer only: the others go on.
                with lease.holding():
                    _record_buffer_failure(buffer, error)
            else:
                polled.append(buffer)
    return polled


def _connection_alive(client) -> bool:
    try:
        client.noop()
    except Exception:  # any failure here means the session is gone; the caller re-raises the real error
        return False
    return True


def poll_buffer(client, server, buffer: Buffer, lease: Lease) -> int:
    """Store the folder's mails that the buffer does not have yet; returns how many were stored."""
    folder = imap.open_folder(client, buffer.folder)
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
    summaries = [s for s in imap.summaries(client, uids) if s.uid not in present]
    batches = [
        [(s.uid, s.size, ingest.fingerprint(s.message_id, s.internaldate, s.size)) for s in batch]
        for batch in _batches(summaries)
    ]
    job = fetching.Job(buffer.tenant_id, buffer.pk, buffer.folder, uidvalidity, batches, buffer.resyncs)
    stored = 0
    try:
        for batch, prepared in zip(batches, fetching.fetch_and_prepare(server, client, job), strict=False):
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


def _record_polled(buffers) -> None:
    now = timezone.now()
    for buffer in buffers:
        Buffer.objects.filter(pk=buffer.pk).update(
            last_polled_at=now, last_error="", consecutive_failures=0, next_poll_at=now + buffer.interval
        )


def _postpone(buffers, delay: timedelta, reason: str) -> None:
    Buffer.objects.filter(pk__in=[b.pk for b in buffers]).update(
        next_poll_at=timezone.now() + delay, last_error=reason[:1000]
    )


def _record_buffer_failure(buffer: Buffer, error: MailConnectionError) -> None:
    failures = buffer.consecutive_failures + 1
    delay = backoff(failures, first=2 * buffer.interval, limit=MAX_BACKOFF)
    Buffer.objects.filter(pk=buffer.pk).update(
        last_error=str(error)[:1000],
        consecutive_failures=F("consecutive_failures") + 1,
        next_poll_at=timezone.now() + delay,
    )


def _record_failure(mailbox: Mailbox, buffers, error: MailConnectionError) -> None:
    state.record_failure(mailbox, error)
    if isinstance(error, AuthenticationRejected | SignInRequired):
        Mailbox.objects.filter(pk=mailbox.pk).update(auth_failures=F("auth_failures") + 1)
    for buffer in buffers:
        _record_buffer_failure(buffer, error)
    logger.warning("poll of mailbox %s failed: %s", mailbox.pk, error)
