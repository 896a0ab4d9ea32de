from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailboxesConfig(AppConfig):
    name = "mailboxes"
    verbose_name = _("Mailboxes and buffers")

    def ready(self):
        from mailboxes import extract_reasons, tasks  # noqa: F401 - extraction's codes get their words
        from mailboxes.notifications import outbox

        # Services start worker jobs through hooks, so they never import the task modules.
        outbox.sending.connect(tasks.send_notifications)
