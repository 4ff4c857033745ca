"""The audit trail's filters (django-filter): action, actor and a date range in the current time zone."""

from __future__ import annotations

from django_filters import rest_framework as filters

from .models import AuditEvent


class AuditEventFilter(filters.FilterSet):
    action = filters.CharFilter(field_name="action")
    actor = filters.CharFilter(field_name="actor_email", lookup_expr="iexact")
    date_from = filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    date_to = filters.DateFilter(field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = AuditEvent
        fields = ("action", "actor", "date_from", "date_to")
