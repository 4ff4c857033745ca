from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnomaliesConfig(AppConfig):
    name = "apps.anomalies"
    verbose_name = _("Anomalies")
    default_auto_field = "django.db.models.BigAutoField"
