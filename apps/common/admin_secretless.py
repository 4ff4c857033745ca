from __future__ import annotations

from django.contrib import admin


class AuthenticatorAdmin(admin.ModelAdmin):
    """MFA devices: support can see and remove one (lost phone), never its seed."""

    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type",)
    search_fields = ("user__email",)
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

