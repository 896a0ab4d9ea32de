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
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from mailboxes import fetching, ingest, status
from mailboxes.credentials import with_server
from mailboxes.models import Buffer, Mailbox, Message
from mailboxes.notifications import outbox
from mailboxes.protocols import imap
from mailboxes.protocols.errors import (
    AuthenticationRejected,
    MailConnectionError,
    ProtocolFailure,
    SignInRequired,
)

logger = logging.getLogger(__name__)

LOCK_TTL = timedelta(minutes=10)
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


# -- the lock -------------------------------------------------------------------------------------------


def acquire_lock(mailbox_id: int) -> str | None:
    token = secrets.token_hex(16)
    now = timezone.now()
    taken = (
        Mailbox.all_tenants.filter(pk=mailbox_id)
        .filter(Q(poll_lock_expires_at__isnull=True) | Q(poll_lock_expires_at__lt=now))
        .update(poll_lock_token=token, poll_lock_expires_at=now + LOCK_TTL)
    )
    return token if taken else None  # another worker holds a live lease: it is polling right now


def renew_lock(mailbox_id: int, token: str) -> None:
    renewed = Mailbox.all_tenants.filter(pk=mailbox_id, poll_lock_token=token).update(
        poll_lock_expires_at=timezone.now() + LOCK_TTL
    )
    if not renewed:
        raise ProtocolFailure(detail="the poll lock was lost (expired and taken by another worker)")


def release_lock(mailbox_id: int, token: str) -> None:
    Mailbox.all_tenants.filter(pk=mailbox_id, poll_lock_token=token).update(
        poll_lock_token="", poll_lock_expires_at=None
    )


# -- the poll -------------------------------------------------------------------------------------------


def poll_mailbox(mailbox_id: int, *, buffer_ids: list[int] | None = None) -> PollResult:
    """Poll the claimed (or the given) buffers of one mailbox. Safe to call from any number of workers."""
    result = PollResult(mailbox_id)
    token = acquire_lock(mailbox_id)
    if token is None:
        result.skipped = "locked"
        return result
    try:
        mailbox = Mailbox.all_tenants.get(pk=mailbox_id)
        now = timezone.now()
        buffers = Buffer.all_tenants.filter(mailbox=mailbox, enabled=True)
        if buffer_ids is not None:
            buffers = Buffer.all_tenants.filter(mailbox=mailbox, pk__in=buffer_ids)
        else:
            buffers = buffers.filter(next_poll_at__lte=now + CLAIM_LEASE)
        buffers = list(buffers.select_related("tenant"))
        if not buffers:
            result.skipped = "nothing due"
            return result
        if mailbox.state == Mailbox.State.NEEDS_SIGN_IN or mailbox.auth_failures >= AUTH_FAILURE_LIMIT:
            # Hammering a server with a login it refuses gets accounts locked; wait for an administrator.
            _postpone(buffers, MAX_BACKOFF, mailbox.last_error)
            result.skipped = "needs attention"
            return result
        try:
            with_server(mailbox, lambda server: _poll_buffers(server, mailbox, buffers, token, result))
        except MailConnectionError as error:
            _record_failure(mailbox, buffers, error)
            result.error = str(error)
        else:
            Mailbox.all_tenants.filter(pk=mailbox.pk).update(auth_failures=0)
            status.record_success(mailbox)
        return result
    finally:
        release_lock(mailbox_id, token)


def _poll_buffers(server, mailbox, buffers, token, result):
    with imap.session(server) as client:
        for buffer in buffers:
            try:
                with imap.translated_errors(server):
                    result.new_messages[buffer.pk] = poll_buffer(client, server, buffer, token)
            except ProtocolFailure as error:
                if not _connection_alive(client):
                    raise
                # A folder problem (renamed, deleted) belongs to this buffer only: the others go on.
                _record_buffer_failure(buffer, error)


def _connection_alive(client) -> bool:
    try:
        client.noop()
    except Exception:  # any failure here means the session is gone; the caller re-raises the real error
        return False
    return True


def poll_buffer(client, server, buffer: Buffer, token: str) -> int:
    """Store the folder's mails that the buffer does not have yet; returns how many were stored."""
    folder = imap.open_folder(client, buffer.folder)
    if buffer.uidvalidity is None:
        Buffer.all_tenants.filter(pk=buffer.pk).update(uidvalidity=folder.uidvalidity)
        buffer.uidvalidity = folder.uidvalidity
    elif buffer.uidvalidity != folder.uidvalidity:
        resynchronise(client, buffer, folder.uidvalidity)
    stored = 0
    # UIDNEXT tells whether anything arrived without a SEARCH: an idle poll costs the same on any folder size.
    if folder.uidnext is None or folder.uidnext > buffer.last_uid + 1:
        uids = imap.uids_above(client, buffer.last_uid)
        if uids:
            stored = ingest_uids(client, server, buffer, buffer.uidvalidity, uids, token)
    now = timezone.now()
    Buffer.all_tenants.filter(pk=buffer.pk).update(
        last_polled_at=now, last_error="", consecutive_failures=0, next_poll_at=now + buffer.interval
    )
    return stored


def resynchronise(client, buffer: Buffer, uidvalidity: int) -> None:
    """The server renumbered the folder: re-point stored mails at their new UIDs, by fingerprint, so
    that only mails really new are downloaded again."""
    summaries = imap.summaries(client, imap.uids_above(client, 0))
    by_fingerprint = {ingest.fingerprint(s.message_id, s.internaldate, s.size): s.uid for s in summaries}
    stale = Message.all_tenants.filter(buffer=buffer).exclude(uidvalidity=uidvalidity)
    for pk, fp in stale.values_list("pk", "fingerprint").iterator(chunk_size=1000):
        new_uid = by_fingerprint.pop(fp, None)
        if new_uid is not None:
            Message.all_tenants.filter(pk=pk).update(uidvalidity=uidvalidity, uid=new_uid)
    Buffer.all_tenants.filter(pk=buffer.pk).update(uidvalidity=uidvalidity, last_uid=0)
    buffer.uidvalidity, buffer.last_uid = uidvalidity, 0
    logger.info("buffer %s: UIDVALIDITY changed, %d stored mails re-pointed", buffer.pk, len(summaries))


def ingest_uids(client, server, buffer: Buffer, uidvalidity: int, uids: list[int], token: str) -> int:
    """Fetch and store `uids` batch by batch; fetching runs alongside parsing and committing."""
    present = set()
    if buffer.last_uid == 0:  # after a resync, re-pointed mails are already here
        present = set(
            Message.all_tenants.filter(buffer=buffer, uidvalidity=uidvalidity, uid__in=uids).values_list(
                "uid", flat=True
            )
        )
    summaries = [s for s in imap.summaries(client, uids) if s.uid not in present]
    batches = [
        [(s.uid, s.size, ingest.fingerprint(s.message_id, s.internaldate, s.size)) for s in batch]
        for batch in _batches(summaries)
    ]
    job = fetching.Job(buffer.tenant_id, buffer.pk, buffer.folder, uidvalidity, batches)
    stored = 0
    try:
        for batch, prepared in zip(batches, fetching.fetch_and_prepare(server, client, job), strict=False):
            stored += len(ingest.store(buffer, prepared, advance_to_uid=batch[-1][0]))
            renew_lock(buffer.mailbox_id, token)
    finally:
        if stored:
            # Notifications: each batch grew the buffer's held digests; one mail per recipient per poll.
            outbox.release_digests(buffer)
    if uids and buffer.last_uid < uids[-1]:
        Buffer.all_tenants.filter(pk=buffer.pk, last_uid__lt=uids[-1]).update(last_uid=uids[-1])
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


# -- failures -------------------------------------------------------------------------------------------


def _backoff(buffer: Buffer, failures: int) -> timedelta:
    return min(buffer.interval * (2 ** min(failures, 10)), MAX_BACKOFF)


def _postpone(buffers, delay: timedelta, reason: str) -> None:
    Buffer.all_tenants.filter(pk__in=[b.pk for b in buffers]).update(
        next_poll_at=timezone.now() + delay, last_error=reason[:1000]
    )


def _record_buffer_failure(buffer: Buffer, error: MailConnectionError) -> None:
    failures = buffer.consecutive_failures + 1
    Buffer.all_tenants.filter(pk=buffer.pk).update(
        last_error=str(error)[:1000],
        consecutive_failures=F("consecutive_failures") + 1,
        next_poll_at=timezone.now() + _backoff(buffer, failures),
    )


def _record_failure(mailbox: Mailbox, buffers, error: MailConnectionError) -> None:
    status.record_failure(mailbox, error)
    if isinstance(error, AuthenticationRejected | SignInRequired):
        Mailbox.all_tenants.filter(pk=mailbox.pk).update(auth_failures=F("auth_failures") + 1)
    for buffer in buffers:
        _record_buffer_failure(buffer, error)
    logger.warning("poll of mailbox %s failed: %s", mailbox.pk, error)
