import sys

from django.core.management.base import BaseCommand, CommandError

from mailboxes.models import Buffer
from mailboxes.polling.importing import import_mails, raw_mails


class Command(BaseCommand):
    help = "Import .eml files, folders of them and mbox files into a buffer (migrations, support cases)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help=".eml file, folder, or mbox file")
        parser.add_argument("--buffer", type=int, required=True, help="Buffer id")

    def handle(self, *args, paths, buffer, **options):
        try:
            target = Buffer.all_tenants.get(pk=buffer)  # a server command names any tenant's buffer
        except Buffer.DoesNotExist:
            raise CommandError(f"No buffer with id {buffer}.") from None
        total = sum(1 for _ in raw_mails(paths))  # a counting pass keeps memory flat for huge mbox files

        def progress(done):
            width = 30
            filled = width * done // max(total, 1)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            sys.stderr.flush()

        report = import_mails(target, raw_mails(paths), progress=progress)
        sys.stderr.write("\n")
        unreadable = f" ({report.unreadable} unreadable: listed with the reason)" if report.unreadable else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.imported} imported{unreadable}, {report.skipped} already in the buffer."
            )
        )
