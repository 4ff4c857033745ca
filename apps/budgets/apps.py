from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetsConfig(AppConfig):
    name = "apps.budgets"
    verbose_name = _("Budgets and forecasts")
    default_auto_field = "django.db.models.BigAutoField"
