"""A folder renumbered by its server: recreated and re-appended (a migration, a restore), or given another
UIDVALIDITY in place (doveadm); mails that make matching them hard; files aged past the sweep's cutoff."""

import os
import subprocess
import time
from email.message import EmailMessage
from pathlib import Path

from tests.builders.mail import PDF, append_many, invoice_mail


def recreate_folder(dovecot, login: str, folder: str, mails, *, msg_time=None) -> None:
    """Delete `folder` and make it again with `mails`: new UIDs, a new UIDVALIDITY; the arrival times
    are `msg_time` (the original ones, to keep them) or now."""
    with dovecot.connect(login) as client:
        if client.folder_exists(folder):
            client.delete_folder(folder)
    dovecot.create_folder(login, folder)
    append_many(dovecot, login, folder, mails, msg_time=msg_time)


def set_uidvalidity(dovecot, login: str, folder: str, uidvalidity: int) -> None:
    """Give `folder` another UIDVALIDITY in place, as a server may (its UIDs and mails stay)."""
    subprocess.run(
        [
            "/usr/bin/doveadm",
            "-c",
            str(dovecot.config_path),
            "mailbox",
            "update",
            "-u",
            login,
            "--uid-validity",
            str(uidvalidity),
            folder,
        ],
        check=True,
        capture_output=True,
    )


def age_files(root, seconds: float) -> int:
    """Make every file and folder under `root` `seconds` old; returns how many files there are."""
    moment = time.time() - seconds
    files = 0
    for path in sorted(Path(root).rglob("*"), key=lambda p: len(p.parts), reverse=True):
        os.utime(path, (moment, moment))
        files += path.is_file()
    return files


def mail_without_message_id(number: int) -> bytes:
    message = EmailMessage()
    message["From"] = "skaner@biuro.example"
    message["To"] = "faktury@alpha.example"
    message["Subject"] = f"Skan {number}"
    message.set_content(f"Skan dokumentu numer {number}.")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename=f"skan-{number}.pdf")
    return message.as_bytes()


def same_id_same_size_pair() -> tuple[bytes, bytes]:
    """Two different mails with one Message-ID and the same size (a resent mail, one letter changed)."""
    first = invoice_mail(1)
    second = first.replace(b"Faktura 1/2026", b"Faktura 7/2026", 1)
    assert first != second and len(first) == len(second)
    return first, second


def large_invoice_mail(number: int, size: int) -> bytes:
    """An invoice mail with a PDF of about `size` bytes (hashed in chunks on a resync)."""
    pdf = b"%PDF-1.4\n" + os.urandom(size) + b"\n%%EOF\n"
    return invoice_mail(number, attachments=[(f"skan-{number}.pdf", pdf)])
