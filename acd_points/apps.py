from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcdPointsConfig(AppConfig):
    name = "acd_points"
    verbose_name = _("ACD points")

    def ready(self):
        # mailboxes knows nothing of points; points tell its notifications who else to tell, and where.
        from acd_points.notifying import point_employees, point_list_link
        from mailboxes import notifications

        notifications.register_recipient_source(point_employees)
        notifications.register_digest_link(point_list_link)
