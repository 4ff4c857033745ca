"""Filters of the providers' lists (django-filter), shared by the API and the pages."""

from __future__ import annotations

from django_filters import rest_framework as filters

from apps.common.filters import IntegerFilter

from .models import SyncRun, SyncStatus, SyncTrigger


class SyncRunFilter(filters.FilterSet):
    connection = IntegerFilter(field_name="connection_id")
    status = filters.ChoiceFilter(choices=SyncStatus.choices)
    trigger = filters.ChoiceFilter(choices=SyncTrigger.choices)

    class Meta:
        model = SyncRun
        fields = ("connection", "status", "trigger")
