"""Query-string filters of the costs lists (django-filter)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import BillingImport, ImportFormat, ImportStatus


class BillingImportFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ImportStatus.choices, label=_("Status"))
    # Not "format": DRF reads that query parameter as the response format.
    file_format = django_filters.ChoiceFilter(field_name="format", choices=ImportFormat.choices, label=_("Format"))
    connection = django_filters.NumberFilter(field_name="connection_id", label=_("Connection"))
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte",
                                              label=_("Uploaded on or after"))
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte",
                                               label=_("Uploaded on or before"))

    class Meta:
        model = BillingImport
        fields = ["status", "file_format", "connection", "created_after", "created_before"]
