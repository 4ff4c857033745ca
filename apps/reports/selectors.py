"""Reads of reports and the archive, and a report's parameters in words (the XLSX sheet, the PDF, the pages)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.costs.selectors.explorer import TAG_PREFIX, alloc_key

from .forms import GRANULARITY_CHOICES, GROUPINGS, METRIC_CHOICES
from .models import Report, ReportExport


def report_list() -> QuerySet[Report]:
    return Report.objects.all()


def report_get(*, pk: int) -> Report:
    return Report.objects.get(pk=pk)


def export_list(*, report: Report | None = None) -> QuerySet[ReportExport]:
    """The archive, newest first, without the files' bytes."""
    qs = ReportExport.objects.defer("content").select_related("report")
    return qs.filter(report=report) if report is not None else qs


def export_get(*, pk: int, with_content: bool = False) -> ReportExport:
    qs = ReportExport.objects.all() if with_content else ReportExport.objects.defer("content")
    return qs.get(pk=pk)


def user_names(ids) -> dict[int, str]:
    """Display names of the users who made the files (users live in the public schema)."""
    from apps.accounts.models import User

    ids = {i for i in ids if i}
    return {u.pk: (u.get_full_name() or u.email) for u in User.objects.filter(pk__in=ids)} if ids else {}


def _dimension_labels() -> dict[str, str]:
    labels = {name: str(label) for name, label in GROUPINGS}
    labels.update({"allocation_method": _("Allocation method"), "allocated_resource": _("Allocated resource")})
    from apps.costs.selectors.alloc_options import alloc_dimension_options

    labels.update({d["name"]: str(d["label"]) for d in alloc_dimension_options()})
    return labels


def dimension_label(name: str, labels: dict[str, str] | None = None) -> str:
    labels = labels if labels is not None else _dimension_labels()
    if name.startswith(TAG_PREFIX):
        return f"{_('Tag')}: {name[len(TAG_PREFIX):]}"
    return labels.get(name) or (alloc_key(name) or name)


def period_label(day: date, granularity: str) -> str:
    """A column of the table: 05.05.2025 (a day, or the week starting that day), «Май 2025» (a month)."""
    if granularity == "month":
        return date_format(day, "F Y")
    return day.strftime("%d.%m.%Y")


def period_words(start: date, end: date) -> str:
    return f"{start:%d.%m.%Y} — {end:%d.%m.%Y}"


def params_in_words(params: dict[str, Any]) -> list[tuple[str, str]]:
    """``[(parameter, value)]`` in the interface language: period, grouping, view, granularity, filters, tags."""
    labels = _dimension_labels()
    rows = [
        (_("Period"), period_words(params["start"], params["end"])),
        (_("Group by"), dimension_label(params["group_by"], labels)),
        (_("Cost view"), str(dict(METRIC_CHOICES).get(params["metric"], params["metric"]))),
        (_("Granularity"), str(dict(GRANULARITY_CHOICES).get(params["granularity"], params["granularity"]))),
        (_("Currency"), _("Organization's currency") if params["currency"] == "org" else _("Billing currency")),
    ]
    for name, values in params["filters"].items():
        shown = [v if v != "" else _("Unallocated") for v in values]
        rows.append((dimension_label(name, labels), ", ".join(shown)))
    for key, value in params["tags"]:
        rows.append((f"{_('Tag')}: {key}", value if value is not None else _("any value")))
    if not params["filters"] and not params["tags"]:
        rows.append((_("Filters"), _("none")))
    return rows
