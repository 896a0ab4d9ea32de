"""A large attachment is decoded straight into its file, a window at a time (mailboxes.extract.streaming):
what is stored is the very file the sender attached, the rows say its true size and digest, nothing is
left half-written, and a full disk midway is the portal's storage fault, leaving no temporaries."""

import hashlib
import os

import pytest
from django.core.files.storage import default_storage

from intake.storage_faults import StorageFault
from mailboxes.extract import streaming
from mailboxes.models import Attachment, Buffer, Message
from mailboxes.polling import fetching, mail_files
from mailboxes.polling import poll as polling
from mailboxes.polling.ingest import IncomingMail, prepare
from tests.builders import append_many, invoice_mail

BIG = streaming.STREAM_FROM + 1_000_000  # decoded in windows, not in memory


def _pdf(size: int) -> bytes:
    return b"%PDF-1.7\n" + os.urandom(size) + b"\n%%EOF\n"


def _leftovers(root) -> list[str]:
    return [name for _, _, names in os.walk(root) for name in names if name.endswith(".part")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("chunked", [False, True], ids=["fetched whole", "fetched in chunks, mapped"])
def test_a_large_attachment_is_stored_whole_with_its_digest(
    make_mailbox, dovecot, imap_user, world_a, settings, tmp_path, monkeypatch, chunked
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    if chunked:  # the large-mail path: written to its file as it comes, then read through a memory map
        monkeypatch.setattr(fetching, "LARGE_MAIL", 1024 * 1024)
        monkeypatch.setattr(fetching, "CHUNK", 1024 * 1024)
    pdf = _pdf(BIG)
    raw = invoice_mail(1, attachments=[("scan.pdf", pdf)])
    append_many(dovecot, imap_user.login, "INBOX", [raw])
    mailbox = make_mailbox(port=dovecot.imaps_port, login=imap_user.login, password=imap_user.password)
    buffer = Buffer.all_tenants.create(tenant=world_a.tenant, name="big", mailbox=mailbox)
    assert polling.poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk]).failed is False
    message = Message.all_tenants.get(buffer=buffer)
    attachment = Attachment.all_tenants.get(message=message)
    assert (message.state, attachment.problem) == (Message.State.NEW, "")
    assert (attachment.size, attachment.sniffed_type) == (len(pdf), "application/pdf")
    assert attachment.sha256 == hashlib.sha256(pdf).hexdigest()
    assert mail_files.read(attachment.file.name) == pdf
    assert message.raw_sha256 == hashlib.sha256(mail_files.read(message.raw.name)).hexdigest()
    assert _leftovers(settings.MEDIA_ROOT) == []


@pytest.mark.django_db
def test_a_cut_off_large_attachment_is_listed_as_truncated(world_a, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    pdf = _pdf(BIG)[:-10]  # no %%EOF: cut off in transit
    raw = invoice_mail(2, attachments=[("scan.pdf", pdf)])
    prepared = prepare(
        tenant_id=world_a.tenant.pk,
        buffer_id=1,
        folder="INBOX",
        mail=IncomingMail(7, 2, raw, None, len(raw), "fp"),
    )
    (attachment,) = prepared.attachments
    assert (attachment["problem"], attachment["size"]) == ("truncated", len(pdf))
    assert default_storage.open(attachment["file"]).read() == pdf
    assert _leftovers(settings.MEDIA_ROOT) == []


@pytest.mark.django_db
def test_a_disk_full_while_a_large_attachment_is_decoded_is_a_storage_fault(world_a, tiny_disk, settings):
    settings.MEDIA_ROOT = str(tiny_disk)  # 2 MiB: the attachment does not fit
    raw = invoice_mail(3, attachments=[("scan.pdf", _pdf(BIG))])
    mail = IncomingMail(7, 3, raw, None, len(raw), "fp")
    with pytest.raises(StorageFault):
        prepare(tenant_id=world_a.tenant.pk, buffer_id=1, folder="INBOX", mail=mail, raw_stored=True)
    assert _leftovers(tiny_disk) == []
