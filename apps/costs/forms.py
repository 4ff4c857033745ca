from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from apps.common.errors import ApplicationError, ErrorCode
from apps.common.filters import FlagField

from .models import CostType
from .selectors.explorer import (
    CURRENCY_MODES,
    DIMENSIONS,
    GRANULARITIES,
    METRICS,
    PERIOD_PRESETS,
    TAG_PREFIX,
    alloc_key,
    period_resolve,
)
from .selectors.focus_export import MAX_EXPORT_DAYS
from .selectors.focus_export import NAMES as FOCUS_NAMES
from .selectors.focus_export import OUTPUTS as FOCUS_OUTPUTS


class BillingImportForm(forms.Form):
    file = forms.FileField(label=_("Billing file"),
                           help_text=_("FOCUS 1.0-1.3 CSV (also gzip) or Parquet, or a Yandex Cloud detail CSV."))
    connection = forms.TypedChoiceField(label=_("Connection"), required=False, coerce=int, empty_value=None)
    skip_invalid = forms.BooleanField(label=_("Skip invalid rows"), required=False,
                                      help_text=_("Import the valid rows and list the skipped ones."))
    cost_type = forms.ChoiceField(label=_("Cost type"), choices=CostType.choices, initial=CostType.ACTUAL,
                                  required=False,
                                  help_text=_("For exports whose actual and amortized files look alike (Azure cost "
                                              "details): an amortized file fills the effective cost."))

    def clean_cost_type(self):
        return self.cleaned_data.get("cost_type") or CostType.ACTUAL

    def __init__(self, *args, connections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.connections = {c.pk: c for c in connections}
        self.fields["connection"].choices = [("", _("Not tied to a connection"))] + [
            (c.pk, c.name) for c in connections]

    def clean_connection(self):
        value = self.cleaned_data.get("connection")
        return self.connections.get(value) if value else None


class ExplorerForm(forms.Form):
    """The explorer's query string, for the page and the API alike (``explorer_params`` below)."""

    start = forms.DateField(required=False)
    end = forms.DateField(required=False)
    period = forms.ChoiceField(choices=[(p, p) for p in PERIOD_PRESETS], required=False)
    group_by = forms.CharField(required=False)
    metric = forms.ChoiceField(choices=[(m, m) for m in METRICS], required=False)
    currency = forms.ChoiceField(choices=[(c, c) for c in CURRENCY_MODES], required=False)
    granularity = forms.ChoiceField(choices=[(g, g) for g in GRANULARITIES], required=False)
    compare = FlagField(required=False)

    def clean_group_by(self) -> str:
        value = self.cleaned_data.get("group_by") or "service"
        # ``alloc:<key>``: the dimension's existence is checked with the query (``cost_query``).
        if value not in DIMENSIONS and alloc_key(value) is None and not (
                value.startswith(TAG_PREFIX) and len(value) > len(TAG_PREFIX)):
            raise forms.ValidationError(_("Unknown grouping."), code="invalid_choice")
        return value


def alloc_filters(query: QueryDict) -> dict[str, list[str]]:
    """``alloc:<key>=<value>`` parameters (repeatable; a value is taken whole, commas included, since dimension
    values may hold them; an empty value = the unallocated cost): ``{"alloc:<key>": [values]}``."""
    found: dict[str, list[str]] = {}
    for name in query:
        if alloc_key(name) is not None:
            values = list(dict.fromkeys(item.strip() for item in query.getlist(name)))
            found[name] = values or [""]
    return found


def explorer_params(query: QueryDict) -> dict[str, Any]:
    """Validate an explorer query string into the arguments of ``cost_explorer_view``; raises ``ApplicationError``
    (``invalid``, with the messages per parameter) for anything it cannot read."""
    form = ExplorerForm(query)
    if not form.is_valid():
        raise ApplicationError(_("Check the filters."), ErrorCode.INVALID,
                               extra={name: list(messages) for name, messages in form.errors.items()})
    values = form.cleaned_data
    start, end = period_resolve(preset=values["period"] or None, start=values["start"], end=values["end"])
    filters = {}
    for name in DIMENSIONS:
        raw = [part.strip() for item in query.getlist(name) for part in item.split(",")]
        raw = [part for part in raw if part]
        if raw:
            filters[name] = raw
    filters.update(alloc_filters(query))
    tags = []
    for item in query.getlist("tag"):
        key, sep, value = item.partition(":")
        if key.strip():
            tags.append((key.strip(), value if sep else None))
    return {"start": start, "end": end, "group_by": values["group_by"], "metric": values["metric"] or "billed",
            "currency": values["currency"] or "org", "filters": filters, "tags": tags,
            "granularity": values["granularity"] or "day",
            "compare": True if values["compare"] is None else values["compare"]}


class ManualRateForm(forms.Form):
    """A manual exchange rate for the organization: roubles per ``nominal`` units, as the Bank quotes it."""

    currency = forms.CharField(label=_("Currency"), min_length=3, max_length=3,
                               help_text=_("Three-letter code, e.g. USD."))
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           help_text=_("The rate applies from this date until the next known rate."))
    rate = forms.DecimalField(label=_("Rate, roubles"), max_digits=20, decimal_places=6,
                              min_value=Decimal("0.000001"), localize=True,
                              widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                              help_text=_("Roubles for the number of units below, e.g. 89,2887."))
    nominal = forms.IntegerField(label=_("For units"), min_value=1, max_value=1_000_000, initial=1,
                                 help_text=_("The Bank quotes some currencies per 10, 100 or more units."))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_currency(self) -> str:
        value = (self.cleaned_data.get("currency") or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise forms.ValidationError(_("Enter a three-letter currency code, e.g. USD."), code="invalid")
        if value in ("RUB", "RUR"):
            raise forms.ValidationError(_("The rouble needs no exchange rate."), code="invalid")
        return value


class FocusExportForm(forms.Form):
    """``start``, ``end`` (inclusive charge dates) and ``output`` of a FOCUS export (``focus_export_params``)."""

    start = forms.DateField(error_messages={"required": _("Enter the first day."),
                                            "invalid": _("Enter a date as YYYY-MM-DD.")})
    end = forms.DateField(error_messages={"required": _("Enter the last day."),
                                          "invalid": _("Enter a date as YYYY-MM-DD.")})
    output = forms.ChoiceField(choices=[(o, o) for o in FOCUS_OUTPUTS], required=False,
                               error_messages={"invalid_choice": _("Choose csv or parquet.")})
    names = forms.ChoiceField(choices=[(n, n) for n in FOCUS_NAMES], required=False,
                              error_messages={"invalid_choice": _("Choose latin or original.")})

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", forms.ValidationError(_("The end date is before the start date."),
                                                            code="invalid"))
            elif (end - start).days + 1 > MAX_EXPORT_DAYS:
                self.add_error("start", forms.ValidationError(
                    _("The period is too long: at most %(days)s days.") % {"days": MAX_EXPORT_DAYS},
                    code="invalid"))
        return data


def focus_export_params(query) -> dict[str, Any]:
    """``{"start", "end", "output"}`` of a FOCUS export request; raises ``ApplicationError`` (``invalid``, the
    messages per parameter) when they cannot be read."""
    form = FocusExportForm(query)
    if not form.is_valid():
        raise ApplicationError(_("Check the export parameters."), ErrorCode.INVALID,
                               extra={name: list(messages) for name, messages in form.errors.items()})
    values = form.cleaned_data
    return {"start": values["start"], "end": values["end"], "output": values["output"] or "csv",
            "names": values["names"] or "latin"}
