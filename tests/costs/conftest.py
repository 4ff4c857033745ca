from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

DATA = Path(__file__).parent / "data"
GOLDEN = sorted(DATA.glob("*_cost_and_usage_rows100_seed42.csv"))


@pytest.fixture
def in_alpha(w):
    with schema_context(w.alpha.schema_name):
        yield w


def independent_sums(path: Path, *, column: str = "BilledCost", by: str = "ServiceName") -> dict[str, Decimal]:
    """Σ column per ``by`` straight from the file with csv + Decimal: the reference the ledger must match."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            value = row[column]
            if value in ("", "NULL"):
                continue
            sums[row[by]] += Decimal(value)
    return dict(sums)


def ledger_sums(*, field: str = "billed_cost", by: str = "service_name", **filters) -> dict[str, Decimal]:
    from django.db.models import Sum

    from apps.costs.models import CostRecord

    rows = CostRecord.objects.filter(**filters).values(by).annotate(total=Sum(field))
    return {row[by]: row["total"] for row in rows}


def cents(values: dict[str, Decimal]) -> dict[str, Decimal]:
    return {k: v.quantize(Decimal("0.01")) for k, v in values.items()}


def rewrite(source: Path, target: Path, change, *, add_columns: tuple[str, ...] = ()) -> Path:
    """Copy a real sample row by row through ``change(row) -> row`` (a dict), keeping its header (plus
    ``add_columns``, empty unless ``change`` fills them)."""
    with open(source, newline="", encoding="utf-8") as fh, open(target, "w", newline="", encoding="utf-8") as out:
        reader = csv.DictReader(fh)
        writer = csv.DictWriter(out, fieldnames=[*reader.fieldnames, *add_columns], restval="")
        writer.writeheader()
        for index, row in enumerate(reader):
            writer.writerow(change(index, dict(row)))
    return target
