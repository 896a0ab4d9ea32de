"""A changed UIDVALIDITY: the server renumbered the folder; stored mails are re-pointed at their new
UIDs so that only mails really new are downloaded again."""

import logging

from django.db.models import F

from mailboxes.models import Buffer, Message
from mailboxes.polling import ingest
from mailboxes.polling.lease import Lease
from mailboxes.protocols import imap

logger = logging.getLogger(__name__)


def resynchronise(client, buffer: Buffer, uidvalidity: int, lease: Lease) -> None:
    """The server renumbered the folder: re-point stored mails at their new UIDs, by fingerprint, so
    that only mails really new are downloaded again."""
    summaries = imap.summaries(client, imap.uids_above(client, 0))
    by_fingerprint = {ingest.fingerprint(s.message_id, s.internaldate, s.size): s.uid for s in summaries}
    stale = Message.objects.filter(buffer=buffer).exclude(uidvalidity=uidvalidity)
    with lease.holding():
        for pk, fp in stale.values_list("pk", "fingerprint").iterator(chunk_size=1000):
            new_uid = by_fingerprint.pop(fp, None)
            if new_uid is not None:
                Message.objects.filter(pk=pk).update(uidvalidity=uidvalidity, uid=new_uid)
        Buffer.objects.filter(pk=buffer.pk).update(
            uidvalidity=uidvalidity, last_uid=0, resyncs=F("resyncs") + 1
        )
    buffer.uidvalidity, buffer.last_uid, buffer.resyncs = uidvalidity, 0, buffer.resyncs + 1
    logger.info("buffer %s: UIDVALIDITY changed, %d stored mails re-pointed", buffer.pk, len(summaries))
