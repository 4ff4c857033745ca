from __future__ import annotations

from django.contrib import admin

from apps.common.admin_titles import AccusativeTitlesMixin

from .models import ExchangeRate, RateSource


@admin.register(ExchangeRate)
class ExchangeRateAdmin(AccusativeTitlesMixin, admin.ModelAdmin):
    """Support enters manual rates here; a manual rate wins over the Bank's for the same date. A rate with an
    organization schema was entered on that organization's rate form and applies to it only."""

    list_display = ("date", "currency", "rate_rub", "nominal", "source", "schema_name", "note", "updated_at")
    list_filter = ("source", "currency")
    search_fields = ("currency", "note", "schema_name")
    date_hierarchy = "date"
    fields = ("date", "currency", "rate_rub", "nominal", "source", "schema_name", "note", "created_by",
              "updated_at")
    readonly_fields = ("created_by", "updated_at")

    def get_changeform_initial_data(self, request):
        return {"source": RateSource.MANUAL, "nominal": 1}

    def save_model(self, request, obj, form, change):
        obj.currency = obj.currency.upper()
        if obj.source == RateSource.MANUAL and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
