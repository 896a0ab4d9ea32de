import mailbox as stdlib_mailbox

import pytest
from django.core.management import CommandError, call_command

from mailboxes.models import Attachment, Buffer, Message
from tests.builders import invoice_mail


@pytest.fixture
def buffer(make_mailbox, world_a):
    return Buffer.all_tenants.create(tenant=world_a.tenant, name="import", mailbox=make_mailbox(save=True))


def run(*args):
    call_command("import_eml", *map(str, args), stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))  # noqa: SIM115


def test_eml_files_folders_and_mbox_files_are_imported_with_their_attachments(buffer, tmp_path):
    (tmp_path / "one.eml").write_bytes(invoice_mail(1))
    folder = tmp_path / "archive"
    (folder / "2026").mkdir(parents=True)
    (folder / "2026" / "two.eml").write_bytes(invoice_mail(2))
    (folder / "three.eml").write_bytes(invoice_mail(3))
    box = stdlib_mailbox.mbox(tmp_path / "export.mbox")
    for n in (4, 5):
        box.add(invoice_mail(n))
    box.flush()
    run(tmp_path / "one.eml", folder, tmp_path / "export.mbox", "--buffer", buffer.pk)
    subjects = sorted(Message.all_tenants.filter(buffer=buffer).values_list("subject", flat=True))
    assert subjects == [f"Faktura {n}/2026" for n in range(1, 6)]
    assert Attachment.all_tenants.filter(message__buffer=buffer, sniffed_type="application/pdf").count() == 5


def test_importing_the_same_files_again_adds_nothing(buffer, tmp_path):
    (tmp_path / "one.eml").write_bytes(invoice_mail(1))
    run(tmp_path / "one.eml", "--buffer", buffer.pk)
    run(tmp_path / "one.eml", "--buffer", buffer.pk)
    assert Message.all_tenants.filter(buffer=buffer).count() == 1


def test_an_unknown_buffer_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="No buffer with id 999"):
        run(tmp_path, "--buffer", 999)
