from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AllocationConfig(AppConfig):
    name = "apps.allocation"
    verbose_name = _("Cost allocation")
    default_auto_field = "django.db.models.BigAutoField"
