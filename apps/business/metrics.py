"""Business metrics (orders, active users...) for unit costs: the metric's definition, its values, and the CSV
import with a row-level report.

CSV import rules (``business_metric_csv_import``):

- a header is required: ``date,value`` and optionally ``dimension_value`` (Russian ``дата``, ``значение``,
  ``измерение`` too); the delimiter ``;`` or ``,`` is taken from the header line; a UTF-8 BOM is tolerated, and a
  file that is not UTF-8 is read as Windows-1251 (Russian Excel);
- dates ``YYYY-MM-DD`` or ``DD.MM.YYYY``; numbers with ``.`` or ``,`` as the decimal mark and spaces (also
  no-break) between thousands; a unit after the number must be the metric's (``12 заказов`` for «заказ»);
- a monthly metric's date must be the first day of its month: another day is an error, not silently moved to the
  1st (``31.05.2025`` would otherwise count as May, a reader could as well mean June);
- any bad row -> nothing is imported (one transaction) and every bad row is reported with its line and reason;
- missing days (months) between the first and the last date of a series are imported but listed as warnings.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.allocation.models import BusinessMetric, BusinessMetricValue, Dimension
from apps.allocation.vocabulary import DIMENSION_KEY_PATTERN, MetricGranularity
from apps.audit.services import audit_event_record
from apps.common.errors import ApplicationError, ErrorCode

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 100_000
MAX_VALUE = Decimal("1e17")
HEADER_ALIASES = {
    "date": "date", "дата": "date",
    "value": "value", "значение": "value",
    "dimension_value": "dimension_value", "dimension": "dimension_value", "измерение": "dimension_value",
}
_SPACES = " \u00a0\u202f\u2009"
_NUMBER = re.compile(
    r"^(?P<sign>[-\u2212+]?)\s*(?P<int>\d{1,3}(?:[" + _SPACES + r"]\d{3})+|\d+)(?:[.,](?P<frac>\d+))?"
    r"\s*(?P<unit>[^\W\d_].*)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_RU_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


class MetricErrorCode(enum.Enum):
    EXISTS = "metric_exists"
    INVALID = "metric_invalid"
    CSV_INVALID = "metric_csv_invalid"
    VALUES_INVALID = "metric_values_invalid"


@dataclass
class RowProblem:
    line: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "message": self.message}


@dataclass
class ImportResult:
    imported: int
    warnings: list[str] = field(default_factory=list)


class MetricRowsError(ApplicationError):
    """Rows that cannot be imported: ``extra["rows"]`` lists each with its line and reason."""

    def __init__(self, message: str, rows: list[RowProblem], code: enum.Enum = MetricErrorCode.CSV_INVALID):
        self.rows = rows
        super().__init__(message, code, extra={"rows": [r.as_dict() for r in rows]})


def _invalid(message: str, field_name: str, code: enum.Enum = MetricErrorCode.INVALID) -> ApplicationError:
    return ApplicationError(message, code, extra={field_name: [message]})


def _audit(*, actor, action: str, metric: BusinessMetric, data: dict[str, Any] | None = None) -> None:
    audit_event_record(schema_name=connection.schema_name, action=action, actor=actor,
                       target=f"business_metric:{metric.key}", data={"name": metric.name, **(data or {})})


# --- definitions ----------------------------------------------------------------------------------------------

def _dimension(key: str | None) -> Dimension | None:
    if not key:
        return None
    found = Dimension.objects.filter(key=key).first()
    if found is None:
        raise _invalid(_("No such allocation dimension."), "dimension")
    return found


def _check_fields(*, name: str, unit: str, granularity: str) -> None:
    if not (name or "").strip():
        raise _invalid(_("Enter the metric's name."), "name")
    if not (unit or "").strip():
        raise _invalid(_("Enter the metric's unit, e.g. «заказ»."), "unit")
    if granularity not in MetricGranularity.values:
        raise _invalid(_("The granularity is «day» or «month»."), "granularity")


@transaction.atomic
def business_metric_create(*, actor, key: str, name: str, unit: str, granularity: str = MetricGranularity.DAY,
                           dimension: str | None = None, description: str = "") -> BusinessMetric:
    key = (key or "").strip()
    if not re.fullmatch(DIMENSION_KEY_PATTERN, key):
        raise _invalid(_("The key is Latin lowercase letters, digits and underscores, starting with a letter."),
                       "key")
    if BusinessMetric.objects.filter(key=key).exists():
        raise ApplicationError(_("A metric with this key already exists."), MetricErrorCode.EXISTS,
                               extra={"key": [_("A metric with this key already exists.")]})
    _check_fields(name=name, unit=unit, granularity=granularity)
    metric = BusinessMetric.objects.create(key=key, name=name.strip(), unit=unit.strip(), granularity=granularity,
                                           dimension=_dimension(dimension), description=description or "")
    _audit(actor=actor, action="business_metric.created", metric=metric)
    return BusinessMetric.objects.select_related("dimension").get(pk=metric.pk)


@transaction.atomic
def business_metric_update(*, metric: BusinessMetric, actor, **changes: Any) -> BusinessMetric:
    """Change name, unit, granularity, dimension or description (the key names the metric in URLs and stays).
    The granularity cannot change while the metric has values: daily figures are not monthly ones."""
    name = changes.get("name", metric.name)
    unit = changes.get("unit", metric.unit)
    granularity = changes.get("granularity", metric.granularity)
    _check_fields(name=name, unit=unit, granularity=granularity)
    if granularity != metric.granularity and metric.values.exists():
        raise _invalid(_("The granularity cannot change while the metric has values: delete them first."),
                       "granularity")
    changed = []
    for attr in ("name", "unit", "description"):
        if attr in changes and (changes[attr] or "").strip() != getattr(metric, attr):
            setattr(metric, attr, (changes[attr] or "").strip())
            changed.append(attr)
    if granularity != metric.granularity:
        metric.granularity = granularity
        changed.append("granularity")
    if "dimension" in changes:
        dimension = _dimension(changes["dimension"])
        if (dimension.pk if dimension else None) != metric.dimension_id:
            if dimension is None and metric.values.exclude(dimension_value="").exists():
                raise _invalid(_("The metric has values per dimension value: delete them before removing the "
                                 "dimension."), "dimension")
            metric.dimension = dimension
            changed.append("dimension")
    if changed:
        metric.save()
        _audit(actor=actor, action="business_metric.updated", metric=metric, data={"changed": changed})
    return BusinessMetric.objects.select_related("dimension").get(pk=metric.pk)


@transaction.atomic
def business_metric_delete(*, metric: BusinessMetric, actor) -> None:
    if metric.splits.exists():  # PROTECT: a split by this metric would lose its weights
        raise ApplicationError(_("A shared cost split uses this metric: change the split first."),
                               ErrorCode.CONFLICT, http_status=409)
    _audit(actor=actor, action="business_metric.deleted", metric=metric)
    metric.delete()


# --- parsing --------------------------------------------------------------------------------------------------

def parse_metric_date(text: str) -> date | None:
    text = (text or "").strip()
    match = _ISO_DATE.match(text)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _RU_DATE.match(text)
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None
    return None


def _unit_matches(suffix: str, unit: str) -> bool:
    """«заказ», «заказа», «заказов» for the unit «заказ»: the suffix starts with the unit (case aside)."""
    suffix, unit = suffix.strip().lower().rstrip("."), unit.strip().lower().rstrip(".")
    return suffix == unit or (len(unit) >= 2 and suffix.startswith(unit))


def parse_metric_value(text: str, *, unit: str) -> tuple[Decimal | None, str | None]:
    """``(value, None)`` or ``(None, reason)`` for a cell such as ``1 234,5``, ``12.0`` or ``12 заказов``."""
    text = (text or "").strip()
    if not text:
        return None, _("no value")
    match = _NUMBER.match(text)
    if not match:
        return None, _("«%(text)s» is not a number") % {"text": text}
    suffix = (match["unit"] or "").strip()
    if suffix and not _unit_matches(suffix, unit):
        return None, _("the unit «%(found)s» is not the metric's unit «%(unit)s»") % {"found": suffix, "unit": unit}
    digits = re.sub(f"[{_SPACES}]", "", match["int"]) + (f".{match['frac']}" if match["frac"] else "")
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None, _("«%(text)s» is not a number") % {"text": text}
    if match["sign"] in ("-", "\u2212") and value != 0:
        return None, _("the value is negative (%(text)s)") % {"text": text}
    if value >= MAX_VALUE:
        return None, _("the value is too large")
    return value, None


def _check_date(day: date, metric: BusinessMetric) -> str | None:
    if metric.granularity == MetricGranularity.MONTH and day.day != 1:
        return _("a monthly metric's date must be the first day of its month (%(date)s)") % {
            "date": date_format(day.replace(day=1), "SHORT_DATE_FORMAT")}
    return None


def _check_dimension_value(value: str, metric: BusinessMetric) -> str | None:
    if value and metric.dimension_id is None:
        return _("the metric has no dimension, the dimension value «%(value)s» cannot be stored") % {"value": value}
    if len(value) > 100:
        return _("the dimension value is longer than 100 characters")
    return None


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1251", errors="replace")


def _check_rows(items: list[tuple[int, Any, Any, str]], metric: BusinessMetric
                ) -> tuple[list[tuple[date, str, Decimal]], list[RowProblem]]:
    """``(line, date, value, dimension value)`` items (dates as ``date`` or text, values as text or numbers) ->
    the good rows and a problem per bad item, with every reason of the item."""
    rows: list[tuple[date, str, Decimal]] = []
    problems: list[RowProblem] = []
    seen: dict[tuple[date, str], int] = {}
    for line, raw_date, raw_value, raw_dimension in items:
        reasons = []
        day = raw_date if isinstance(raw_date, date) else parse_metric_date(str(raw_date or ""))
        if day is None:
            reasons.append(_("bad date «%(text)s» (expected YYYY-MM-DD or DD.MM.YYYY)") % {"text": raw_date}
                           if raw_date else _("no date"))
        elif reason := _check_date(day, metric):
            reasons.append(reason)
        value, reason = parse_metric_value("" if raw_value is None else str(raw_value), unit=metric.unit)
        if reason:
            reasons.append(reason)
        dimension_value = str(raw_dimension or "").strip()
        if reason := _check_dimension_value(dimension_value, metric):
            reasons.append(reason)
        if day is not None:
            first = seen.get((day, dimension_value))
            if first is not None:
                reasons.append(_("the date %(date)s is already on line %(line)s") % {
                    "date": date_format(day, "SHORT_DATE_FORMAT"), "line": first})
            else:
                seen[(day, dimension_value)] = line
        if reasons:
            problems.append(RowProblem(line, "; ".join(reasons)))
        else:
            rows.append((day, dimension_value, value))
    return rows, problems


def _read_csv(content: bytes) -> list[tuple[int, str, str, str]]:
    """The file's data lines as ``(line, date, value, dimension value)`` texts."""
    if len(content) > MAX_FILE_BYTES:
        raise MetricRowsError(_("The file is larger than 5 MB."), [])
    text = _decode(content)
    if not text.strip():
        raise MetricRowsError(_("The file is empty."), [RowProblem(1, _("the file is empty"))])
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: dict[str, int] | None = None
    items: list[tuple[int, str, str, str]] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            names = [HEADER_ALIASES.get(c.strip().lower().lstrip("\ufeff")) for c in cells]
            if "date" not in names or "value" not in names:
                raise MetricRowsError(_("The file has no header: the first line must name the columns date and "
                                        "value (and optionally dimension_value)."),
                                      [RowProblem(reader.line_num, _("no header «date,value»"))])
            header = {name: i for i, name in reversed(list(enumerate(names))) if name}
            continue
        if len(items) >= MAX_ROWS:
            raise MetricRowsError(_("The file has more than %(rows)s rows.") % {"rows": MAX_ROWS}, [])
        texts = [(cells[header[name]].strip() if name in header and header[name] < len(cells) else "")
                 for name in ("date", "value", "dimension_value")]
        items.append((reader.line_num, *texts))
    if not items:
        raise MetricRowsError(_("The file has a header but no rows."), [])
    return items


def _next(day: date, granularity: str) -> date:
    if granularity == MetricGranularity.MONTH:
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def metric_gaps(*, dates: dict[str, set[date]], granularity: str) -> list[str]:
    """Warnings for the days (months) missing between the first and the last date of each series."""
    warnings = []
    for dimension_value, days in sorted(dates.items()):
        if len(days) < 2:
            continue
        missing: list[list[date]] = []
        day, last = min(days), max(days)
        while day < last:
            if day not in days:
                if missing and _next(missing[-1][1], granularity) == day:
                    missing[-1][1] = day
                else:
                    missing.append([day, day])
            day = _next(day, granularity)
        for lo, hi in missing:
            span = date_format(lo, "SHORT_DATE_FORMAT") if lo == hi else (
                f"{date_format(lo, 'SHORT_DATE_FORMAT')}–{date_format(hi, 'SHORT_DATE_FORMAT')}")
            if dimension_value:
                warnings.append(_("No values for «%(value)s» on %(span)s.") % {"value": dimension_value,
                                                                                "span": span})
            else:
                warnings.append(_("No values on %(span)s.") % {"span": span})
    return warnings


def _upsert(metric: BusinessMetric, rows: list[tuple[date, str, Decimal]]) -> int:
    BusinessMetricValue.objects.bulk_create(
        [BusinessMetricValue(metric=metric, date=day, dimension_value=dim, value=value) for day, dim, value in rows],
        update_conflicts=True, unique_fields=["metric", "date", "dimension_value"], update_fields=["value"],
        batch_size=5000)
    return len(rows)


def business_metric_csv_import(*, metric: BusinessMetric, actor, content: bytes, filename: str = "") -> ImportResult:
    """Import a CSV of values (rules in the module's docstring): all rows or none. Raises ``MetricRowsError``
    listing every bad row."""
    rows, problems = _check_rows(_read_csv(content), metric)
    if problems:
        raise MetricRowsError(_("Nothing was imported: %(count)s rows have errors.") % {"count": len(problems)},
                              problems)
    dates: dict[str, set[date]] = defaultdict(set)
    for day, dim, _value in rows:
        dates[dim].add(day)
    warnings = metric_gaps(dates=dates, granularity=metric.granularity)
    with transaction.atomic():
        imported = _upsert(metric, rows)
        _audit(actor=actor, action="business_metric.values_imported", metric=metric,
               data={"file": filename[:200], "rows": imported})
    return ImportResult(imported=imported, warnings=warnings)


def business_metric_values_upsert(*, metric: BusinessMetric, actor, values: list[dict[str, Any]]) -> ImportResult:
    """Insert or replace values given as ``{"date", "value", "dimension_value"}`` with the CSV's checks, all or
    none; a bad item's ``line`` is its position from 1."""
    items = [(position, item.get("date"), item.get("value"), item.get("dimension_value"))
             for position, item in enumerate(values, start=1)]
    rows, problems = _check_rows(items, metric)
    if problems:
        raise MetricRowsError(_("Nothing was saved: %(count)s values have errors.") % {"count": len(problems)},
                              problems, code=MetricErrorCode.VALUES_INVALID)
    if not rows:
        return ImportResult(imported=0)
    with transaction.atomic():
        saved = _upsert(metric, rows)
        _audit(actor=actor, action="business_metric.values_saved", metric=metric, data={"rows": saved})
    return ImportResult(imported=saved)


# --- reads ----------------------------------------------------------------------------------------------------

def business_metric_get(*, key: str) -> BusinessMetric | None:
    return BusinessMetric.objects.select_related("dimension").filter(key=key).first()


def business_metric_values(*, metric: BusinessMetric, start: date | None = None, end: date | None = None,
                           limit: int | None = None) -> list[BusinessMetricValue]:
    qs = metric.values.all().order_by("date", "dimension_value")
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    if limit:
        return list(reversed(list(qs.order_by("-date", "-dimension_value")[:limit])))
    return list(qs)
