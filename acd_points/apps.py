from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcdPointsConfig(AppConfig):
    name = "acd_points"
    verbose_name = _("ACD points")

    def ready(self):
        from acd_points import follow_up, tasks
        from acd_points.notifying import point_employees, point_list_link
        from mailboxes.notifications import recipients

        # Services start worker jobs through hooks, so they never import the task modules.
        follow_up.running.connect(tasks.run_follow_up_work.delay)
        # mailboxes knows nothing of points; points tell its notifications who else to tell, and where.
        recipients.register_recipient_source(point_employees)
        recipients.register_digest_link(point_list_link)
