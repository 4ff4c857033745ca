"""Filters of the findings list (django-filter), shared by the API and the recommendations page.

``status``, ``category``, ``confidence``, ``rule`` and ``provider`` take one value or several, comma-separated
(``?status=open,accepted``); a value outside the vocabulary is refused with the allowed ones named. The
filtering itself is ``selectors.finding_list``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from apps.common.filters import IntegerFilter

from . import selectors
from .models import Finding
from .vocabulary import Category, Confidence, Status


class ValueListField(forms.CharField):
    """``a,b,c`` as a list of distinct values; with ``choices``, each must be one of them."""

    def __init__(self, *args: Any, values: list[str] | None = None, **kwargs: Any) -> None:
        self.allowed = list(values) if values is not None else None
        kwargs.setdefault("max_length", 2000)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        values = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
        if self.allowed is not None:
            unknown = [v for v in values if v not in self.allowed]
            if unknown:
                raise forms.ValidationError(
                    _("Unknown value: %(values)s. Allowed: %(allowed)s.") % {
                        "values": ", ".join(unknown), "allowed": ", ".join(self.allowed)},
                    code="invalid_choice")
        return values

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value: Any) -> None:
        for item in value or []:
            super().run_validators(item)


@extend_schema_field(OpenApiTypes.STR)
class ValueListFilter(filters.Filter):
    """One value or several, comma-separated; applied by ``FindingFilter.filter_queryset``."""

    field_class = ValueListField

    def filter(self, qs, value):
        return qs


@extend_schema_field(OpenApiTypes.DECIMAL)
class AmountFilter(filters.NumberFilter):
    def filter(self, qs, value):
        return qs


class ResourcePkFilter(IntegerFilter):
    def filter(self, qs, value):
        return qs


def _choices(description: str, values: list[str]) -> str:
    return f"{description} Comma-separated, any of: {', '.join(values)}."


class FindingFilter(filters.FilterSet):
    status = ValueListFilter(values=Status.values, help_text=_choices("Status.", Status.values))
    category = ValueListFilter(values=Category.values, help_text=_choices("Category.", Category.values))
    confidence = ValueListFilter(values=Confidence.values, help_text=_choices("Confidence.", Confidence.values))
    rule = ValueListFilter(help_text="Rule key(s), comma-separated.")
    provider = ValueListFilter(help_text="Provider key(s), comma-separated.")
    resource = ResourcePkFilter(help_text="A resource id: its findings, also those that cover it among others.")
    min_savings = AmountFilter(help_text="Estimated monthly savings at least this amount.")

    class Meta:
        model = Finding
        fields = ("status", "category", "confidence", "rule", "provider", "resource", "min_savings")

    def filter_queryset(self, queryset: QuerySet[Finding]) -> QuerySet[Finding]:
        return selectors.finding_list(filters=self.form.cleaned_data, queryset=queryset)


class ViolationFilter(FindingFilter):
    """The policy violations: ``category`` is always ``policy``; ``policy`` narrows to one policy."""

    category = None
    policy = IntegerFilter(field_name="policy_id", help_text="A policy id.")

    class Meta:
        model = Finding
        fields = ("status", "confidence", "rule", "provider", "resource", "min_savings", "policy")

    def filter_queryset(self, queryset: QuerySet[Finding]) -> QuerySet[Finding]:
        data = {**self.form.cleaned_data, "category": [Category.POLICY]}
        if data.get("policy") is not None:
            queryset = queryset.filter(policy_id=data["policy"])
        return selectors.finding_list(filters=data, queryset=queryset)
