from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "apps.partners"
    verbose_name = _("MSP console")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import admin_billing  # noqa: F401
