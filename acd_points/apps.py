from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcdPointsConfig(AppConfig):
    name = "acd_points"
    verbose_name = _("ACD points")
