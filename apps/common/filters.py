"""List filters: one django-filter ``FilterSet`` per list, applied the same way by the API and the pages.

An invalid value (``?connection=abc``) is the standard API error: 400 ``{"error": {"code": "invalid", "message",
"details": {<filter>: [<reason>, ...]}}}``; a page shows the same message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .errors import ApplicationError, ErrorCode


def filterset_apply(filterset_class: type[filters.FilterSet], *, data: Mapping[str, Any] | None,
                    queryset: QuerySet, request=None) -> QuerySet:
    """``queryset`` narrowed by ``filterset_class`` from ``data`` (a QueryDict or a dict); raises
    ``ApplicationError`` (code ``invalid``, details by filter) when a value does not parse."""
    filterset = filterset_class(data=data or {}, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise ApplicationError(_("Check the filters."), ErrorCode.INVALID,
                               extra={name: [str(message) for message in messages]
                                      for name, messages in filterset.errors.items()})
    return filterset.qs


class FilterBackend(filters.DjangoFilterBackend):
    """DRF's django-filter backend, with invalid values reported in the API's one error shape."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        return filterset_apply(filterset_class, data=request.query_params, queryset=queryset, request=request)


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(filters.NumberFilter):
    """An id: ``1.5`` or ``abc`` is invalid (a NumberFilter would take any decimal)."""

    field_class = forms.IntegerField


class FlagField(forms.Field):
    """yes / no as people and scripts write it: 1/0, true/false, yes/no, on/off; empty means "not given"."""

    TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
    FALSE = frozenset({"0", "false", "f", "no", "n", "off"})
    default_error_messages = {"invalid": gettext_lazy("Enter yes or no (1 or 0, true or false).")}

    def to_python(self, value: Any) -> bool | None:
        if isinstance(value, bool):
            return value
        text = str(value if value is not None else "").strip().lower()
        if not text:
            return None
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class FlagFilter(django_filters.BooleanFilter):
    """A yes/no filter that refuses what it cannot read (the REST framework's BooleanFilter ignores it)."""

    field_class = FlagField
