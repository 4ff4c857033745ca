from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CostsConfig(AppConfig):
    name = "apps.costs"
    verbose_name = _("Costs")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the import storage check)
