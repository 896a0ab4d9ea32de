from django.core.management.base import BaseCommand, CommandError, no_translations

from mailboxes.models import Buffer
from mailboxes.polling.poll import poll_mailbox


class Command(BaseCommand):
    help = "Poll buffers now, in the foreground (no broker needed): one buffer, or every enabled buffer."

    def add_arguments(self, parser):
        parser.add_argument(
            "--buffer", type=int, action="append", help="Buffer id (repeatable); default: all enabled"
        )

    @no_translations  # a server command speaks the source language, whatever a page activated before
    def handle(self, *args, buffer=None, **options):
        every_buffer = Buffer.all_tenants.all()  # a command on the server: any tenant's buffers
        buffers = every_buffer.filter(pk__in=buffer) if buffer else every_buffer.filter(enabled=True)
        by_mailbox: dict[int, list[int]] = {}
        for buffer_id, mailbox_id in buffers.values_list("pk", "mailbox_id"):
            by_mailbox.setdefault(mailbox_id, []).append(buffer_id)
        if buffer and sum(map(len, by_mailbox.values())) != len(set(buffer)):
            raise CommandError("No such buffer.")
        failed = False
        for mailbox_id, buffer_ids in by_mailbox.items():
            result = poll_mailbox(mailbox_id, buffer_ids=buffer_ids)
            if result.skipped:
                self.stdout.write(f"mailbox {mailbox_id}: skipped ({result.skipped})")
            for buffer_id, count in result.new_messages.items():
                self.stdout.write(f"buffer {buffer_id}: {count} new mail(s)")
            for problem in result.problems():
                self.stderr.write(problem)
            failed = failed or result.failed
        if failed:
            raise CommandError("Some mailboxes or buffers could not be polled (see above and their pages).")
