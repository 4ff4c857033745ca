"""The ledger keeps each row's tags as the id of its tag set (``TagSet``): every writer (an import, a saved row, a
bulk copy) stores the sets of its rows and gives the same tags the same set, and the filters by several tags, the
rollups and a row's ``tags`` read them from there."""

from __future__ import annotations

import csv
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection

from apps.common.bulk import bulk_copy
from apps.costs.models import CostRecord, TagSet, tag_set_id
from apps.costs.selectors.explorer import cost_summary
from apps.costs.services.imports import focus_file_import
from apps.costs.services.rollups import cost_rollups_refresh

from .conftest import DATA, rewrite
from .explorer_data import row

pytestmark = pytest.mark.django_db
AWS = DATA / "aws_1_2_cost_and_usage_rows100_seed42.csv"


def _file_rows(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("stage", ["client", "sql"])
def test_a_filter_by_two_tags_sums_the_imported_rows_that_carry_both(in_alpha, tmp_path, monkeypatch, stage):
    if stage == "sql":  # the import's own stage gives up: the rollups read the rows and their sets back in SQL
        from apps.costs.importers import stage as stage_module

        monkeypatch.setattr(stage_module, "MAX_GROUPS", 0)
        monkeypatch.setattr(stage_module, "COMPACT_EVERY", 0)
        monkeypatch.setattr(stage_module.StageSums, "write_to", None)  # never reached: the stage gave up

    # The same tags written three ways: keys in another order, with spaces, and as in the sample.
    def change(index, row):
        if index % 3 == 1:
            row["Tags"] = '{"Owner": "team-platform", "Environment": "prod", "CostCenter": "cc-3110"}'
        elif index % 3 == 2:
            row["Tags"] = '{ "CostCenter" :"cc-3110","Environment":"prod",  "Owner":"team-platform"}'
        return row

    path = rewrite(AWS, tmp_path / "tags.csv", change)
    bi = focus_file_import(path=str(path))
    assert bi.status == "success", (bi.error, bi.report[:3])

    rows = _file_rows(path)
    platform_prod = [r for i, r in enumerate(rows) if i % 3 or (
        '"Environment":"prod"' in r["Tags"].replace(" ", "") and '"Owner":"team-platform"' in r["Tags"])]
    day = {r["ChargePeriodStart"][:10] for r in rows}
    start, end = date.fromisoformat(min(day)), date.fromisoformat(max(day))
    summary = cost_summary(start=start, end=end, currency="billing",
                           tags=[("Environment", "prod"), ("Owner", "team-platform")])
    # Each amount as the ledger keeps it: ten places, half away from zero.
    expected = sum((Decimal(r["BilledCost"]).quantize(Decimal("1e-10"), ROUND_HALF_UP) for r in platform_prod),
                   Decimal(0))
    assert len(platform_prod) > 60  # two thirds rewritten, plus the sample's own
    assert sum((g["total"] for g in summary["groups"]), Decimal(0)) == expected

    # One set per distinct tag content, with the id a saved row with the same tags gets.
    ids = set(CostRecord.objects.values_list("tag_set_id", flat=True))
    wanted = {"Owner": "team-platform", "Environment": "prod", "CostCenter": "cc-3110"}
    assert tag_set_id(wanted) in ids
    assert TagSet.objects.get(id=tag_set_id(wanted)).tags == wanted
    assert set(TagSet.objects.values_list("id", flat=True)) == ids - {0}
    # The tag rollup, which the single-tag filters read, has every row's tags as well.
    one_tag = cost_summary(start=start, end=end, currency="billing", tags=[("Owner", "team-platform")])
    owner = [r for i, r in enumerate(rows) if i % 3 or '"Owner":"team-platform"' in r["Tags"].replace(" ", "")]
    assert sum((g["total"] for g in one_tag["groups"]), Decimal(0)) == sum(
        (Decimal(r["BilledCost"]).quantize(Decimal("1e-10"), ROUND_HALF_UP) for r in owner), Decimal(0))
    # A row reads its tags from its set: the ledger keeps no tags of its own.
    record = CostRecord.objects.filter(billing_import=bi, tag_set_id=tag_set_id(wanted)).first()
    assert record.tags == wanted
    assert "tags" not in {f.column for f in CostRecord._meta.concrete_fields}


def test_saved_and_bulk_copied_rows_get_the_set_of_their_tags_and_untagged_rows_none(in_alpha):
    day = date(2025, 3, 3)
    saved = row(day, "10.00", tags={"team": "a", "env": "prod"})
    saved.save()
    bulk_copy(CostRecord, [row(day, "2.50", tags={"env": "prod", "team": "a"}), row(day, "1.25", tags={"env": "prod"}),
                           row(day, "4.00")])
    cost_rollups_refresh(start=day, end=day, fetch_missing_rates=False)

    saved.refresh_from_db()
    assert saved.tag_set_id == tag_set_id({"env": "prod", "team": "a"}) != 0
    assert sorted(CostRecord.objects.values_list("tag_set_id", flat=True)) == sorted(
        [saved.tag_set_id, saved.tag_set_id, tag_set_id({"env": "prod"}), 0])
    assert TagSet.objects.count() == 2
    summary = cost_summary(start=day, end=day, tags=[("env", "prod"), ("team", "a")])
    assert summary["total"] == Decimal("12.50")
    summary = cost_summary(start=day, end=day, tags=[("env", "prod"), ("team", None)])  # a key, whatever its value
    assert summary["total"] == Decimal("12.50")
    assert cost_summary(start=day, end=day, tags=[("env", "prod"), ("team", "b")])["groups"] == []


def test_the_filter_reads_the_charge_date_index_not_every_row(in_alpha):
    """No index of every row's tags: the ledger's charge-date index carries the set id, and a selective filter by
    several tags checks the ids in that index (the plan's index condition), visiting only the matching rows."""
    table = CostRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = %s",
                       [connection.schema_name, table])
        definitions = [d for (d,) in cursor.fetchall()]
    assert not any(" using gin " in d.lower() for d in definitions)
    assert any("(charge_date, billing_import_id, tag_set_id)" in d for d in definitions)

    bulk_copy(CostRecord, [row(date(2025, 3, 1), "1", tags={"env": "prod", "team": "a"})])
    # 30 000 more rows over 90 days and 1 000 tag sets, copied from that one in SQL.
    columns = [f.column for f in CostRecord._meta.concrete_fields if not f.primary_key]
    values = ", ".join({"charge_date": "charge_date + (g % 90)", "tag_set_id": "g % 1000"}.get(c, c)
                       for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} "  # noqa: S608 -- our names
                       f"FROM {table}, generate_series(1, 30000) g")
        cursor.execute(f"ANALYZE {table}")
        cursor.execute(f"EXPLAIN SELECT sum(billed_cost) FROM {table} "  # noqa: S608 -- our names
                       "WHERE charge_date BETWEEN %s AND %s AND tag_set_id = ANY(%s)",
                       [date(2025, 3, 10), date(2025, 4, 10), [3, 4]])
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "costs_rec_date_import_tags" in plan
    assert "tag_set_id = ANY" in plan.split("Index Cond:")[1].split("\n")[0]
