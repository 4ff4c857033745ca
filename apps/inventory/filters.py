"""Filters of the inventory (django-filter): one ``ResourceFilter`` for the resources API, its summary and the
resources page."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from apps.common.filters import FlagFilter, IntegerFilter

from .models import Resource, ResourceTag
from .vocabulary import ResourceKind


class ResourceFilter(filters.FilterSet):
    """Deleted resources are left out unless ``deleted`` is true."""

    q = filters.CharFilter(method="filter_text")
    provider = filters.CharFilter()
    connection = IntegerFilter(field_name="connection_id")
    resource_type = filters.CharFilter()
    kind = filters.ChoiceFilter(choices=ResourceKind.choices)
    status = filters.CharFilter()
    region = filters.CharFilter()
    tag = filters.CharFilter(method="filter_tag")
    deleted = FlagFilter(method="filter_deleted")

    class Meta:
        model = Resource
        fields = ("q", "provider", "connection", "resource_type", "kind", "status", "region", "tag", "deleted")

    def filter_queryset(self, queryset: QuerySet[Resource]) -> QuerySet[Resource]:
        if not self.form.cleaned_data.get("deleted"):
            queryset = queryset.filter(is_deleted=False)
        return super().filter_queryset(queryset)

    def filter_text(self, queryset: QuerySet[Resource], name: str, value: str) -> QuerySet[Resource]:
        """Name, id, type, region or service contains the text."""
        return queryset.filter(Q(resource_name__icontains=value) | Q(resource_id__icontains=value)
                               | Q(resource_type__icontains=value) | Q(region__icontains=value)
                               | Q(service_name__icontains=value))

    def filter_tag(self, queryset: QuerySet[Resource], name: str, value: str) -> QuerySet[Resource]:
        """"key" matches any value; "key=value" matches exactly."""
        key, sep, tag_value = value.partition("=")
        tags = ResourceTag.objects.filter(key=key.strip())
        if sep:
            tags = tags.filter(value=tag_value.strip())
        return queryset.filter(pk__in=tags.values("resource_id"))

    def filter_deleted(self, queryset: QuerySet[Resource], name: str, value: bool) -> QuerySet[Resource]:
        return queryset  # applied in filter_queryset: hiding deleted resources is the default, not a filter
