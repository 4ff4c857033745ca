"""Support admin: the console's cached figures, read-only (the refresh job writes them)."""

from django.contrib import admin

from .models import ClientMonthCost, ClientSnapshot


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ClientSnapshot)
class ClientSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("organization", "partner", "month", "spend_month", "billed_month", "budget_status",
                    "sync_health", "open_alerts", "refreshed_at")
    list_filter = ("partner", "budget_status", "sync_health")
    search_fields = ("organization__name", "organization__slug")


@admin.register(ClientMonthCost)
class ClientMonthCostAdmin(ReadOnlyAdmin):
    list_display = ("organization", "month", "provider", "service", "cost", "currency")
    list_filter = ("partner", "month", "provider")
    search_fields = ("organization__name", "service")
