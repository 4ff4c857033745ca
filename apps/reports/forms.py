"""Reading a report's query (the explorer's parameters) and the builder's form.

A report may cover a longer period than the explorer page (its three-year limit protects an interactive page);
a run's size is bounded by ``settings.REPORT_MAX_CELLS`` instead (``generation.report_view``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.common.errors import ApplicationError, ErrorCode
from apps.costs.selectors.explorer import DIMENSIONS, alloc_key, cost_query

from .models import Report
from .vocabulary import ChartType

# The explorer's parameters a report keeps; ``period`` may also be ``custom`` (dates in ``start`` and ``end``).
QUERY_KEYS = ("period", "start", "end", "group_by", "metric", "currency", "granularity", "compare", "tag")
REPORT_MAX_DAYS = 20 * 366
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def query_dict(query: dict[str, Any]) -> QueryDict:
    """A report's stored query as the explorer's query string (lists become repeated parameters)."""
    data = QueryDict(mutable=True)
    for key, value in (query or {}).items():
        if isinstance(value, list | tuple):
            data.setlist(key, [_text(v) for v in value])
        elif value is not None and value != "":
            data[key] = _text(value)
    return data


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _date(value: Any, name: str, errors: dict[str, list[str]]) -> date | None:
    if value in (None, ""):
        return None
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        errors[name] = [_("Enter a date as YYYY-MM-DD.")]
        return None
    if not EARLIEST <= day <= LATEST:
        errors[name] = [_("Enter a date between 2000 and 2100.")]
        return None
    return day


def report_params(query: Any) -> dict[str, Any]:
    """A report's ``query`` validated into the arguments of ``cost_explorer_view``; raises ``ApplicationError``
    (``invalid``, messages per parameter) for anything it cannot read. Relative periods resolve today."""
    from apps.costs.forms import explorer_params

    if not isinstance(query, dict):
        raise ApplicationError(_("Check the report's parameters."), ErrorCode.INVALID,
                               extra={"query": [_("Give the parameters as an object.")]})
    errors: dict[str, list[str]] = {}
    for key, value in query.items():
        if key not in QUERY_KEYS and key not in DIMENSIONS and alloc_key(key) is None:
            errors[key] = [_("Unknown parameter.")]
        elif isinstance(value, dict) or (isinstance(value, list | tuple) and any(
                isinstance(v, dict | list | tuple) for v in value)):
            errors[key] = [_("Give a value or a list of values.")]
    if errors:
        raise ApplicationError(_("Check the report's parameters."), ErrorCode.INVALID, extra=errors)
    start = _date(query.get("start"), "start", errors)
    end = _date(query.get("end"), "end", errors)
    rest = {k: v for k, v in query.items() if k not in ("start", "end")}
    if rest.get("period") == "custom" or start or end:
        if rest.pop("period", None) == "custom" and not (start or end) and "start" not in errors:
            errors["start"] = [_("Enter the first day.")]
    try:
        params = explorer_params(query_dict(rest))
    except ApplicationError as exc:
        errors.update({k: [str(m) for m in v] for k, v in (exc.extra or {"query": [exc.message]}).items()})
        params = None
    if start or end:
        start, end = start or end, end or start
        if end < start:
            errors["end"] = [_("The end date is before the start date.")]
        elif (end - start).days + 1 > REPORT_MAX_DAYS:
            errors["start"] = [_("The period is too long (at most twenty years).")]
    if errors or params is None:
        raise ApplicationError(_("Check the report's parameters."), ErrorCode.INVALID, extra=errors)
    if start:
        params["start"], params["end"] = start, end
    try:  # allocation dimensions exist, no forbidden combination
        cost_query(start=params["start"], end=params["end"], group_by=params["group_by"], metric=params["metric"],
                   currency=params["currency"], filters=params["filters"], tags=params["tags"])
    except ApplicationError as exc:
        raise ApplicationError(_("Check the report's parameters."), ErrorCode.INVALID,
                               extra={k: [str(m) for m in v] for k, v in exc.extra.items()} or {
                                   "query": [exc.message]}) from exc
    return params


# --- the builder's form --------------------------------------------------------------------------------------------

GROUPINGS = [
    ("provider", gettext_lazy("Provider")), ("connection", gettext_lazy("Connection")),
    ("billing_account", gettext_lazy("Billing account")), ("sub_account", gettext_lazy("Sub account")),
    ("service", gettext_lazy("Service")), ("service_category", gettext_lazy("Service category")),
    ("region", gettext_lazy("Region")), ("resource_type", gettext_lazy("Resource type")),
    ("resource", gettext_lazy("Resource")), ("charge_category", gettext_lazy("Charge category")),
]
PERIODS = [
    ("7d", gettext_lazy("Last 7 days")), ("30d", gettext_lazy("Last 30 days")),
    ("90d", gettext_lazy("Last 90 days")), ("365d", gettext_lazy("Last 365 days")),
    ("this_month", gettext_lazy("This month")), ("last_month", gettext_lazy("Last month")),
    ("custom", gettext_lazy("Custom dates")),
]
GRANULARITY_CHOICES = [("day", gettext_lazy("Day")), ("week", gettext_lazy("Week")), ("month", gettext_lazy("Month"))]
METRIC_CHOICES = [("billed", gettext_lazy("Invoiced")), ("effective", gettext_lazy("Amortized"))]
UNALLOCATED = "__unallocated__"  # the builder's choice for the unallocated cost (the query's value "")
FILTERED = ("provider", "service", "region", "billing_account", "resource")


class ReportForm(forms.Form):
    """The builder: name, chart and the explorer's query (group-by incl. ``alloc:<key>``, period, granularity,
    cost view, filters per dimension as comma-separated values, tags as ``key:value`` lines)."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    description = forms.CharField(label=gettext_lazy("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    chart = forms.ChoiceField(label=gettext_lazy("Chart"), choices=ChartType.choices, initial=ChartType.BAR)
    group_by = forms.ChoiceField(label=gettext_lazy("Group by"), initial="service")
    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=PERIODS, initial="30d")
    start = forms.DateField(label=gettext_lazy("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=gettext_lazy("To"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    granularity = forms.ChoiceField(label=gettext_lazy("Granularity"), choices=GRANULARITY_CHOICES, initial="day")
    metric = forms.ChoiceField(label=gettext_lazy("Cost view"), choices=METRIC_CHOICES, initial="billed")
    provider = forms.CharField(label=gettext_lazy("Provider"), required=False)
    service = forms.CharField(label=gettext_lazy("Service"), required=False)
    region = forms.CharField(label=gettext_lazy("Region"), required=False)
    billing_account = forms.CharField(label=gettext_lazy("Billing account"), required=False)
    resource = forms.CharField(label=gettext_lazy("Resource"), required=False)
    tags = forms.CharField(label=gettext_lazy("Tags"), required=False,
                           help_text=gettext_lazy("One per line: key:value, or key for any value."),
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, dimensions: list[dict] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.dimensions = list(dimensions)
        self.fields["group_by"].choices = [*GROUPINGS, *[(d["name"], d["label"]) for d in self.dimensions]]
        for dimension in self.dimensions:
            self.fields[dimension["name"]] = forms.ChoiceField(
                label=dimension["label"], required=False,
                choices=[("", _("All")), (UNALLOCATED, _("Unallocated")), *[(v, v) for v in dimension["values"]]])

    def query(self) -> dict[str, Any]:
        data = self.cleaned_data
        query: dict[str, Any] = {"period": data["period"], "group_by": data["group_by"],
                                 "granularity": data["granularity"], "metric": data["metric"]}
        if data["period"] == "custom":
            query.update(start=data["start"].isoformat() if data["start"] else "",
                         end=data["end"].isoformat() if data["end"] else "")
        for name in FILTERED:
            values = [v.strip() for v in (data.get(name) or "").split(",") if v.strip()]
            if values:
                query[name] = values
        for dimension in self.dimensions:
            value = data.get(dimension["name"])
            if value:
                query[dimension["name"]] = ["" if value == UNALLOCATED else value]
        tags = [line.strip() for line in (data.get("tags") or "").splitlines() if line.strip()]
        if tags:
            query["tag"] = tags
        return query

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.params = report_params(self.query())
        except ApplicationError as exc:
            for name, messages in exc.extra.items():
                field = name if name in self.fields else None
                for message in messages:
                    self.add_error(field, message)
        return data

    @staticmethod
    def initial_for(report: Report) -> dict[str, Any]:
        query = report.query or {}
        initial = {"name": report.name, "description": report.description, "chart": report.chart,
                   "group_by": query.get("group_by", "service"), "granularity": query.get("granularity", "day"),
                   "metric": query.get("metric", "billed"),
                   "period": "custom" if query.get("start") else query.get("period", "30d"),
                   "start": query.get("start"), "end": query.get("end"),
                   "tags": "\n".join(_as_list(query.get("tag")))}
        for name in FILTERED:
            initial[name] = ", ".join(_as_list(query.get(name)))
        for name, value in query.items():
            if alloc_key(name) is not None:
                values = _as_list(value)
                initial[name] = (values[0] or UNALLOCATED) if values else UNALLOCATED
        return initial


def _as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
