from collections import Counter

from django.core.management.base import BaseCommand

from mailboxes.notifications import sending


class Command(BaseCommand):
    help = "Send due notifications now, in the foreground (no broker needed); --id sends given ones."

    def add_arguments(self, parser):
        parser.add_argument("--id", type=int, action="append", help="Notification id (repeatable)")

    def handle(self, *args, id=None, **options):
        if id:
            for pk in id:
                self.stdout.write(f"notification {pk}: {sending.send_notification(pk)}")
            return
        total: Counter = Counter()
        while True:  # a run handles a limited batch: go on while runs still send something
            outcomes = sending.send_due()
            total.update(outcomes)
            if not outcomes.get(sending.Outcome.SENT):
                break
        summary = ", ".join(f"{outcome}: {n}" for outcome, n in sorted(total.items()))
        self.stdout.write(summary or "nothing due")
