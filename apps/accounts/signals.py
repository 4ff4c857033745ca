"""Last line of defence: whatever deletes a user (shell, script, a future account-deletion page) cannot leave an
organization without an owner. The admin and the services check earlier and explain; this only refuses."""

from __future__ import annotations

from . import services


def user_pre_delete_keep_owners(sender, instance, **kwargs) -> None:
    services.user_delete_check([instance])
