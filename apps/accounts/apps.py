from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.db.models.signals import pre_delete

        from .models import User
        from .signals import user_pre_delete_keep_owners

        pre_delete.connect(user_pre_delete_keep_owners, sender=User, dispatch_uid="accounts.keep_owners")
