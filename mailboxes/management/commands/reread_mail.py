from django.core.management.base import BaseCommand, CommandError

from mailboxes.models import Buffer, Message
from mailboxes.polling.rereading import reread_mails


class Command(BaseCommand):
    help = "Read a buffer's stored mail again from the kept originals, with the current extractor."

    def add_arguments(self, parser):
        parser.add_argument("--buffer", type=int, required=True, help="Buffer id")
        parser.add_argument(
            "--only-unreadable", action="store_true", help="Only mail stored as unreadable (after a fix)"
        )

    def handle(self, *args, buffer, only_unreadable, **options):
        # all_tenants: a command on the server names any tenant's buffer; each mail acts for its own tenant.
        if not Buffer.all_tenants.filter(pk=buffer).exists():
            raise CommandError(f"No buffer with id {buffer}.")
        messages = Message.all_tenants.filter(buffer_id=buffer).order_by("pk")  # all_tenants: as above
        if only_unreadable:
            messages = messages.filter(state=Message.State.UNREADABLE)
        report = reread_mails(messages.iterator(chunk_size=200))
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.read} read again ({report.unreadable} unreadable), "
                f"{report.missing_original} without their stored original."
            )
        )
