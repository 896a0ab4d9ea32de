"""A changed UIDVALIDITY: the server renumbered the folder (recreated it, restored it, the mailbox moved
to another server). Stored mails are re-pointed at their new UIDs so that only mails really new come in.

Each stored mail of the buffer (imported ones aside) is paired with at most one server mail, and each
server mail with at most one stored mail, by one rule for all:
1. the fingerprint (Message-ID, INTERNALDATE, size), when the mail has a Message-ID and exactly one
   stored mail and one server mail carry that fingerprint: the folder kept its arrival times;
2. else identical bytes: the same size and the same sha256 of the raw mail (a folder re-appended with
   new arrival times); identical mails pair off in UID order.
So a mail without a Message-ID, or whose fingerprint several mails share, is matched by its bytes only,
and a mail whose bytes changed is not matched at all: it comes in again as new. Nothing is merged on
headers alone.

Files never move: rows keep the paths their files were written at (mail_files). Stored mails not found
on the server keep their old numbering; one that still carries the new UIDVALIDITY (a server reusing an
old number) is moved off it (-UIDVALIDITY, -id), so it never stands for a new mail's UID.
Fetching and hashing come first, outside any transaction; the writes are one transaction in the lease.
"""

import logging
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import F

from intake import storage_faults
from mailboxes.models import Buffer, Message
from mailboxes.polling import ingest, mail_files
from mailboxes.polling.importing import IMPORT_UIDVALIDITY
from mailboxes.polling.lease import Lease
from mailboxes.protocols import imap

logger = logging.getLogger(__name__)

SUMMARY_BATCH = 5000  # server summaries asked for at a time, with a heartbeat between
ROW_BATCH = 1000  # stored rows read (and updated) at a time


@dataclass
class ResyncReport:
    by_fingerprint: int = 0
    by_content: int = 0
    left: int = 0  # stored mails not on the server (any more): kept with their old numbering


class _Stored(NamedTuple):
    pk: int
    fingerprint: str
    size: int


def resynchronise(client, buffer: Buffer, uidvalidity: int, lease: Lease) -> ResyncReport:
    """The server renumbered the folder: re-point stored mails at their new UIDs (see the module)."""
    mails = _server_mails(client, lease)
    stored = _stored_mails(buffer)
    matches = _by_fingerprint(stored, mails)
    taken = {mail.uid for mail in matches.values()}
    rest = [row for row in stored if row.pk not in matches]
    by_content, digests = _by_content(client, rest, [m for m in mails if m.uid not in taken], lease)
    with lease.holding():
        _write(buffer, uidvalidity, matches | by_content, digests)
    buffer.uidvalidity, buffer.last_uid, buffer.resyncs = uidvalidity, 0, buffer.resyncs + 1
    report = ResyncReport(len(matches), len(by_content), len(rest) - len(by_content))
    logger.info(
        "buffer %s: UIDVALIDITY changed to %s; stored mails re-pointed: %d by fingerprint, %d by "
        "content; %d not on the server",
        buffer.pk,
        uidvalidity,
        report.by_fingerprint,
        report.by_content,
        report.left,
    )
    return report


def _server_mails(client, lease: Lease) -> list[imap.MailSummary]:
    uids = imap.uids_above(client, 0)
    mails = []
    for start in range(0, len(uids), SUMMARY_BATCH):
        mails += imap.summaries(client, uids[start : start + SUMMARY_BATCH])
        lease.keep_alive()
    return mails


def _stored_mails(buffer: Buffer) -> list[_Stored]:
    """The buffer's stored server mails: the numbering just left first, in UID order (so identical
    mails pair off as they were numbered), then mails left over from older numberings."""
    rows = Message.objects.filter(buffer=buffer).exclude(uidvalidity=IMPORT_UIDVALIDITY)
    fields = ("pk", "fingerprint", "size")
    latest = rows.filter(uidvalidity=buffer.uidvalidity).order_by("uid").values_list(*fields)
    older = rows.exclude(uidvalidity=buffer.uidvalidity).order_by("pk").values_list(*fields)
    return [_Stored(*row) for query in (latest, older) for row in query.iterator(chunk_size=2000)]


def _fingerprint(mail: imap.MailSummary) -> str:
    return ingest.fingerprint(mail.message_id, mail.internaldate, mail.size)


def _by_fingerprint(stored: list[_Stored], mails: list[imap.MailSummary]) -> dict[int, imap.MailSummary]:
    """Tier 1: stored mail id -> server mail, for fingerprints that name one mail on each side."""
    server: dict[str, list] = {}
    for mail in mails:
        if mail.message_id.strip():  # without one, arrival time and size name no mail: the bytes decide
            server.setdefault(_fingerprint(mail), []).append(mail)
    counts = Counter(row.fingerprint for row in stored)
    return {
        row.pk: server[row.fingerprint][0]
        for row in stored
        if counts[row.fingerprint] == 1 and len(server.get(row.fingerprint, ())) == 1
    }


def _by_content(client, rows: list[_Stored], mails: list[imap.MailSummary], lease: Lease):
    """Tier 2: stored mail id -> server mail with identical bytes; and the digests computed from
    stored files (rows written before digests were kept), to be saved."""
    sizes = {row.size for row in rows}
    candidates = [mail for mail in mails if mail.size in sizes]  # only a mail of a stored size can match
    if not candidates:
        return {}, {}
    server = imap.raw_digests(client, [(m.uid, m.size) for m in candidates], heartbeat=lease.keep_alive)
    hashed_sizes = {mail.size for mail in candidates if mail.uid in server}
    known, computed = _stored_digests([row for row in rows if row.size in hashed_sizes], lease)
    waiting = defaultdict(deque)
    for mail in candidates:  # in UID order
        if mail.uid in server:
            waiting[(mail.size, server[mail.uid])].append(mail)
    matches = {}
    for row in rows:
        queue = waiting.get((row.size, known.get(row.pk)))
        if queue:
            matches[row.pk] = queue.popleft()
    return matches, computed


def _stored_digests(rows: list[_Stored], lease: Lease) -> tuple[dict[int, str], dict[int, str]]:
    """(id -> sha256 of the raw mail, for every row it is known of; the ones computed from files now)."""
    known, computed = {}, {}
    for start in range(0, len(rows), ROW_BATCH):
        chunk = [row.pk for row in rows[start : start + ROW_BATCH]]
        for pk, digest, raw in Message.objects.filter(pk__in=chunk).values_list("pk", "raw_sha256", "raw"):
            if not digest:
                digest = computed[pk] = _file_digest(pk, raw)
            if digest:
                known[pk] = digest
            lease.keep_alive()
    return known, {pk: digest for pk, digest in computed.items() if digest}


def _file_digest(pk: int, name: str) -> str:
    """The sha256 of a stored original; "" when it is gone (then only its fingerprint can match it)."""
    with storage_faults.converted():  # the portal's storage failing is not the mail server's fault
        try:
            return mail_files.sha256_of(name)
        except FileNotFoundError:
            logger.warning("mail %s: its stored original is missing; not matched by content", pk)
            return ""


def _write(buffer: Buffer, uidvalidity: int, matches: dict, digests: dict[int, str]) -> None:
    # A server reusing an old UIDVALIDITY: mails stored under it that are not re-pointed below must not
    # stand for new mails' UIDs (the poll would skip those; a deletion would hit another mail).
    Message.objects.filter(buffer=buffer, uidvalidity=uidvalidity).update(
        uidvalidity=-uidvalidity, uid=-F("pk")
    )
    repointed = [
        Message(pk=pk, uidvalidity=uidvalidity, uid=mail.uid, fingerprint=_fingerprint(mail))
        for pk, mail in matches.items()
    ]
    Message.objects.bulk_update(repointed, ["uidvalidity", "uid", "fingerprint"], batch_size=ROW_BATCH)
    hashed = [Message(pk=pk, raw_sha256=digest) for pk, digest in digests.items()]
    Message.objects.bulk_update(hashed, ["raw_sha256"], batch_size=ROW_BATCH)
    Buffer.objects.filter(pk=buffer.pk).update(uidvalidity=uidvalidity, last_uid=0, resyncs=F("resyncs") + 1)
