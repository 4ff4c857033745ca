"""Support admin for billing rules and statements: an issued statement is read-only and cannot be deleted."""

from django.contrib import admin

from .models import BillingRule, Statement
from .vocabulary import StatementStatus


@admin.register(BillingRule)
class BillingRuleAdmin(admin.ModelAdmin):
    list_display = ("partner", "organization", "provider", "service", "markup_percent", "fixed_monthly_fee",
                    "minimum_charge")
    list_filter = ("partner",)
    search_fields = ("organization__name", "provider", "service")


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ("__str__", "partner", "organization", "month", "status", "subtotal", "vat", "total", "issued_at")
    list_filter = ("status", "partner")
    search_fields = ("number", "organization__name")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != StatementStatus.DRAFT:
            return [f.name for f in self.model._meta.fields]
        return ("number", "status", "issued_at", "generated_at")

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.status == StatementStatus.DRAFT
