"""Filters of the anomalies list (django-filter), shared by the API and the page: ``status``, ``kind`` and
``scope_type``, each repeatable (``?status=open&status=confirmed``)."""

from __future__ import annotations

from django_filters import rest_framework as filters

from .models import Anomaly
from .vocabulary import Kind, ScopeType, Status


class AnomalyFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Status.choices)
    kind = filters.MultipleChoiceFilter(choices=Kind.choices)
    scope_type = filters.MultipleChoiceFilter(choices=ScopeType.choices)

    class Meta:
        model = Anomaly
        fields = ("status", "kind", "scope_type")
