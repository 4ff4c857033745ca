from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BusinessConfig(AppConfig):
    name = "apps.business"
    verbose_name = _("Business context")
    default_auto_field = "django.db.models.BigAutoField"
