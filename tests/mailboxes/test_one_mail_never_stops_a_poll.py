"""One mail never stops a poll or an import: whatever fails reading or storing it, it is kept raw, listed
as unreadable with the reason, and the rest of its batch is stored; absurd dates are kept as text."""

import logging

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import DataError
from django.utils import timezone

from intake import reasons
from mailboxes.models import Buffer, Message
from mailboxes.polling import ingest, mail_files
from mailboxes.polling.importing import import_mails
from mailboxes.polling.poll import poll_mailbox
from tests.builders import invoice_mail
from tests.builders.hostile_mail import ABSURD_DATES, mail_dated


@pytest.fixture
def buffer(make_mailbox, world_a):
    return Buffer.all_tenants.create(tenant=world_a.tenant, name="isolation", mailbox=make_mailbox())


@pytest.fixture
def polled_buffer(make_mailbox, world_a, dovecot):
    user = dovecot.add_user()
    mailbox = make_mailbox(port=dovecot.imaps_port, login=user.login, password=user.password)
    buffer = Buffer.all_tenants.create(tenant=world_a.tenant, name="polled", mailbox=mailbox)
    buffer.imap_login = user.login
    return buffer


def stored(buffer) -> list[Message]:
    return list(Message.all_tenants.filter(buffer=buffer).order_by("uid"))


def run_import(tmp_path, buffer, mails) -> str:
    for number, raw in enumerate(mails):
        (tmp_path / f"{number:03}.eml").write_bytes(raw)
    out = tmp_path / "out.txt"
    with out.open("w") as stdout, open("/dev/null", "w") as stderr:
        call_command("import_eml", str(tmp_path), "--buffer", str(buffer.pk), stdout=stdout, stderr=stderr)
    return out.read_text()


def test_a_year_9999_date_neither_stops_the_import_nor_sorts_the_mail(buffer, tmp_path):
    mails = [invoice_mail(1), mail_dated("Fri, 31 Dec 9999 23:59:59 -1200", 2), invoice_mail(3)]
    before = timezone.now()
    run_import(tmp_path, buffer, mails)
    first, absurd, third = stored(buffer)
    assert [first.state, absurd.state, third.state] == [Message.State.NEW] * 3  # still readable
    assert absurd.header_date is None and absurd.header_date_text == "Fri, 31 Dec 9999 23:59:59 -1200"
    assert before <= absurd.received_at <= timezone.now()  # when it came, not the year 9999
    assert "Date header out of range (kept as written)" in [reasons.in_english(d) for d in absurd.defect_list]
    assert absurd.attachment_count == 1


@pytest.mark.parametrize("date", ABSURD_DATES)
def test_every_absurd_date_is_kept_as_text_and_never_used(buffer, date):
    [message] = import_mails(buffer, [("x.eml", mail_dated(date))]) and stored(buffer)
    assert message.state == Message.State.NEW
    assert message.header_date is None
    assert message.header_date_text == date
    assert abs(message.received_at - timezone.now()).total_seconds() < 60


def test_a_poll_stores_the_whole_batch_around_an_absurd_date_and_advances(polled_buffer, dovecot):
    mails = [invoice_mail(1), mail_dated("Fri, 31 Dec 9999 23:59:59 -1200", 2), invoice_mail(3)]
    with dovecot.connect(polled_buffer.imap_login) as client:
        for raw in mails:
            client.append("INBOX", raw)
    result = poll_mailbox(polled_buffer.mailbox_id, buffer_ids=[polled_buffer.pk])
    assert result.error == "" and result.new_messages == {polled_buffer.pk: 3}
    assert [m.header_date is None for m in stored(polled_buffer)] == [False, True, False]
    polled_buffer.refresh_from_db()
    assert polled_buffer.last_uid == stored(polled_buffer)[-1].uid and polled_buffer.last_error == ""


def test_a_bug_reading_one_mail_keeps_it_raw_as_unreadable_and_logs_only_its_identity(
    buffer, monkeypatch, caplog
):
    real = ingest._mail_fields

    def failing(folder, mail, raw_path, extracted, attachments):
        if extracted.subject == "Faktura 2/2026":
            raise ZeroDivisionError("a bug of ours")
        return real(folder, mail, raw_path, extracted, attachments)

    monkeypatch.setattr(ingest, "_mail_fields", failing)
    mails = [invoice_mail(n) for n in (1, 2, 3)]
    with caplog.at_level(logging.ERROR, logger="mailboxes.polling.ingest"):
        report = import_mails(buffer, [(f"{n}.eml", raw) for n, raw in enumerate(mails)])
    assert (report.imported, report.unreadable) == (3, 1)
    first, broken, third = stored(buffer)
    assert [first.state, third.state] == [Message.State.NEW, Message.State.NEW]
    assert broken.state == Message.State.UNREADABLE
    assert broken.unreadable_reason == ingest.CANNOT_BE_READ
    assert default_storage.open(broken.raw.name).read() == mails[1]  # the original is kept
    [record] = [r for r in caplog.records if "could not be read" in r.getMessage()]
    assert f"uid={broken.uid}" in record.getMessage() and "Faktura" not in record.getMessage()


def test_a_mail_the_database_refuses_is_stored_plain_and_the_batch_kept(buffer, monkeypatch):
    real = ingest._create_rows

    def refusing(target, prepared):
        if any(p.fields.get("subject") == "Faktura 2/2026" for p in prepared):
            raise DataError("value refused")
        return real(target, prepared)

    monkeypatch.setattr(ingest, "_create_rows", refusing)
    report = import_mails(buffer, [(f"{n}.eml", invoice_mail(n)) for n in (1, 2, 3)])
    assert report.imported == 3
    first, refused, third = stored(buffer)
    assert first.subject == "Faktura 1/2026" and third.subject == "Faktura 3/2026"
    assert refused.state == Message.State.UNREADABLE and refused.unreadable_reason == ingest.CANNOT_BE_STORED
    assert default_storage.exists(refused.raw.name)
    buffer.refresh_from_db()


def test_text_no_database_stores_is_cleaned_not_refused(buffer):
    # NUL characters (PostgreSQL refuses them) in headers and body, and raw 8-bit garbage.
    raw = (
        b"From: A\x00B <a@example.com>\r\nSubject: Fak\x00tura \xff\xfe\r\n"
        b"Date: Mon, 2 Nov 2026 10:00:00 +0100\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nTekst\x00 z NUL \xed\xa0\x80 i surogatem\r\n"
    )
    import_mails(buffer, [("nul.eml", raw)])
    [message] = stored(buffer)
    assert message.state == Message.State.NEW
    assert "\x00" not in message.subject + message.sender + message.body_text
    assert message.subject.startswith("Faktura")


def test_a_full_disk_is_not_the_mails_fault(buffer, monkeypatch):
    def full(path, data, storage=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(mail_files, "write", full)
    with pytest.raises(OSError):
        import_mails(buffer, [("1.eml", invoice_mail(1))])
    assert stored(buffer) == []  # not marked unreadable: retried once there is room


def test_the_import_command_reports_unreadable_mail_and_imports_the_rest(buffer, tmp_path):
    output = run_import(
        tmp_path, buffer, [invoice_mail(1), b"", b"\r\n\r\n", b"no headers at all", invoice_mail(2)]
    )
    assert "5 imported (3 unreadable: listed with the reason)" in output
    states = [m.state for m in stored(buffer)]
    assert states.count(Message.State.UNREADABLE) == 3
    assert all(m.unreadable_reason for m in stored(buffer) if m.state == Message.State.UNREADABLE)


def test_an_eml_starting_with_an_mbox_from_line_is_one_mail_kept_byte_for_byte(buffer, tmp_path):
    raw = b"From someone@example.com Mon Nov  2 10:00:00 2026\n" + invoice_mail(1)
    run_import(tmp_path, buffer, [raw])
    [message] = stored(buffer)
    assert default_storage.open(message.raw.name).read() == raw
