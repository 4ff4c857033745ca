"""An import sums the rollup stage of its own rows while they stream (``importers.stage.StageSums``) and reads
back from the ledger only the other rows of the range. The rollups it leaves must be exactly those a rebuild
from the ledger gives, whatever else the range holds: rows of other imports, rows of provider syncs (no
import), replaced rows, commitment purchases, values rounded to the ledger's 10 places."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.costs.importers.stage import StageSums
from apps.costs.models import CostDaily, CostDailyTag, CostMonthly
from apps.costs.services.imports import focus_file_import
from apps.costs.services.rollups import cost_rollups_refresh_all
from tests.costs.explorer_data import ledger, row

from .conftest import DATA, rewrite

pytestmark = pytest.mark.django_db


def _snapshot():
    def rows(model, *fields):
        values = model.objects.values(
            *fields, "billed_cost", "effective_cost", "list_cost", "billed_cost_org", "effective_cost_org", "row_count"
        )
        return sorted(tuple(sorted(v.items())) for v in values)

    dims = (
        "charge_date",
        "connection_id",
        "provider_name",
        "billing_account_id",
        "sub_account_id",
        "service_name",
        "service_category",
        "region_id",
        "resource_type",
        "resource_id",
        "charge_category",
        "billing_currency",
    )
    return (
        rows(CostDaily, *dims),
        rows(CostDailyTag, *dims, "tag_key", "tag_value"),
        rows(CostMonthly, "month", *dims[1:]),
    )


def test_rollups_after_imports_equal_a_rebuild_from_the_ledger(in_alpha, tmp_path, monkeypatch):
    used = []
    write_to = StageSums.write_to
    monkeypatch.setattr(StageSums, "write_to", lambda self, *a: (used.append(self), write_to(self, *a))[1])
    ledger(
        [
            row(date(2026, 5, 3), "7.5", currency="USD", tags={"env": "sync"}),  # a provider sync's rows
            row(date(2026, 5, 20), "1.25", currency="USD"),
        ]
    )
    focus_file_import(path=str(DATA / "azure_1_2_cost_and_usage_rows100_seed42.csv"))

    def odd(i, row):
        if i % 7 == 0:  # more places than the ledger keeps: rounded half away from zero, as PostgreSQL does
            row["BilledCost"] = "1.00000000005"
            row["EffectiveCost"] = "-2.00000000005"
        if i % 13 == 5:  # beyond twenty places: read as the ledger reads it (0.1234567890), the stage still summed
            row["BilledCost"] = "0.1234567890123456789012345"
        if i % 11 == 0:
            row["EffectiveCost"] = ""  # fallback: BilledCost
        return row

    aws = rewrite(DATA / "aws_1_2_cost_and_usage_rows100_seed42.csv", tmp_path / "aws.csv", odd)
    focus_file_import(path=str(aws))
    bi = focus_file_import(path=str(aws))  # replaces the first one
    focus_file_import(path=str(DATA / "gcp_1_3_cost_and_usage_rows100_seed42.csv"))
    assert bi.rows_replaced == 100 and len(used) == 4 and all(s.usable for s in used)
    after_imports = _snapshot()
    assert after_imports[0] and after_imports[1] and after_imports[2]

    cost_rollups_refresh_all(fetch_missing_rates=False)
    assert _snapshot() == after_imports


def test_the_stage_rounds_like_the_ledger_and_leaves_commitment_purchases_out_of_the_amortized_sum():
    import pyarrow as pa

    stage = StageSums(("charge_date", "charge_category"))
    table = pa.table(
        {
            "charge_date": ["2026-05-01"] * 3,
            "charge_category": ["Usage", "Usage", "Purchase"],
            "commitment_discount_id": ["", "", "ri-1"],
            "tags": ["{}"] * 3,
            "billed_cost": ["1.00000000005", "-1.00000000005", "10"],
            "effective_cost": ["0.123456789049", "2", "10"],
            "list_cost": ["3", "3", None],
        }
    )
    stage.add(table)
    groups = {(r["charge_category"]): r for r in stage.parts[0].to_pylist()}
    # 1.0000000001 - 1.0000000001 = 0; 0.1234567890 + 2; the purchase counts 0 amortized (rollups.AMORTIZED_SQL).
    assert groups["Usage"]["billed"] == Decimal("0E-10")
    assert groups["Usage"]["effective"] == Decimal("2.1234567890")
    assert (groups["Purchase"]["billed"], groups["Purchase"]["effective"]) == (Decimal("10"), Decimal("0"))
    assert groups["Usage"]["n"] == 2 and groups["Purchase"]["list"] is None


def test_a_value_the_stage_cannot_read_hands_the_stage_back_to_sql_and_many_places_are_rounded():
    import pyarrow as pa

    def stage_of(billed: str) -> StageSums:
        stage = StageSums(("charge_date",))
        stage.add(pa.table({"charge_date": ["2026-05-01"], "charge_category": ["Usage"],
                            "commitment_discount_id": [""], "tags": ["{}"], "billed_cost": [billed],
                            "effective_cost": ["1"], "list_cost": ["1"]}))
        return stage

    assert not stage_of("1e40").usable  # no numeric(38, 10) holds it
    many = stage_of("0.1234567890500000000000001")  # 25 places: rounded to ten, as the ledger rounds
    assert many.usable
    assert str(many.parts[0].column("billed")[0].as_py()) == "0.1234567891"


def _stage_batch(rows: list[tuple[str, str, str]]):
    """A normalized batch of (charge_date, resource_id, billed_cost) rows, every other key constant."""
    import pyarrow as pa

    from apps.costs.services.rollups import DIMENSIONS

    n = len(rows)
    columns = {key: pa.array([""] * n, pa.string()) for key in DIMENSIONS}
    columns.update(
        charge_date=pa.array([r[0] for r in rows], pa.string()),
        resource_id=pa.array([r[1] for r in rows], pa.string()),
        charge_category=pa.array(["Usage"] * n, pa.string()),
        commitment_discount_id=pa.array([""] * n, pa.string()),
        tags=pa.array(["{}"] * n, pa.string()),
        billed_cost=pa.array([r[2] for r in rows], pa.string()),
        effective_cost=pa.array([r[2] for r in rows], pa.string()),
        list_cost=pa.array([r[2] for r in rows], pa.string()),
    )
    return pa.table(columns)


def test_compacted_groups_keep_every_sum_and_count(monkeypatch):
    """Compactions (here after every batch past 2 groups) re-sum the groups; a key constant within one batch
    and varying across them (the resource) stays a key."""
    from apps.costs.importers import stage as stage_module

    monkeypatch.setattr(stage_module, "COMPACT_EVERY", 2)
    stage = StageSums(("charge_date", "resource_id", "billing_currency"))
    stage.add(_stage_batch([("2026-05-01", "a", "1.5"), ("2026-05-01", "a", "2"), ("2026-05-02", "a", "0.25")]))
    stage.add(_stage_batch([("2026-05-01", "b", "10"), ("2026-05-01", "b", "-1")]))
    stage.add(_stage_batch([("2026-05-01", "a", "0.25"), ("2026-05-02", "b", "3")]))
    stage.add(_stage_batch([("2026-05-02", "a", "1")]))
    stage._compact()
    assert len(stage.parts) == 1 and stage.usable
    groups = {(r["charge_date"], r["resource_id"]): (r["billed"], r["effective"], r["list"], r["n"],
                                                     r["billing_currency"]) for r in stage.parts[0].to_pylist()}
    assert groups == {
        ("2026-05-01", "a"): (Decimal("3.75"), Decimal("3.75"), Decimal("3.75"), 3, ""),
        ("2026-05-02", "a"): (Decimal("1.25"), Decimal("1.25"), Decimal("1.25"), 2, ""),
        ("2026-05-01", "b"): (Decimal("9"), Decimal("9"), Decimal("9"), 2, ""),
        ("2026-05-02", "b"): (Decimal("3"), Decimal("3"), Decimal("3"), 1, ""),
    }


def test_json_object_leaves_out_null_members_and_escapes():
    import pyarrow as pa

    from apps.costs.importers.normalize import json_object

    full = pa.array(["1", 'say "hi"', "a\\b"], pa.string())
    sparse = pa.array([None, "x", None], pa.string())
    empty = pa.array([None, None, None], pa.string())
    assert json_object([("x_a", full), ("x_b", sparse), ("x_c", full)]).to_pylist() == [
        '{"x_a":"1","x_c":"1"}',
        '{"x_a":"say \\"hi\\"","x_b":"x","x_c":"say \\"hi\\""}',
        '{"x_a":"a\\\\b","x_c":"a\\\\b"}',
    ]
    assert json_object([("k", sparse), ("m", empty)]).to_pylist() == ["{}", '{"k":"x"}', "{}"]
    assert json_object([("k", full)]).to_pylist() == ['{"k":"1"}', '{"k":"say \\"hi\\""}', '{"k":"a\\\\b"}']


def _index_definitions(*tables: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY(%s) "
                       "ORDER BY indexname", [list(tables)])
        return [definition for (definition,) in cursor.fetchall()]


def _imports_then_rebuild_agree(tmp_path):
    focus_file_import(path=str(DATA / "azure_1_2_cost_and_usage_rows100_seed42.csv"))
    aws = rewrite(DATA / "aws_1_2_cost_and_usage_rows100_seed42.csv", tmp_path / "aws.csv", lambda i, row: row)
    assert focus_file_import(path=str(aws)).status == "success"
    after_imports = _snapshot()
    assert after_imports[0] and after_imports[1] and after_imports[2]
    cost_rollups_refresh_all(fetch_missing_rates=False)
    assert _snapshot() == after_imports


def test_rows_that_hardly_share_their_groups_are_summed_by_the_server(in_alpha, tmp_path, monkeypatch):
    """Past FEW_SUMS_MIN_GROUPS groups, more than one per FEW_SUMS_SHARE rows after a compaction, the import keeps
    no stage in memory: the rollups read its rows back (with more memory for the GROUP BY), to the same sums."""
    from apps.costs.importers import stage as stage_module

    monkeypatch.setattr(stage_module, "FEW_SUMS_MIN_GROUPS", 10)
    monkeypatch.setattr(stage_module, "COMPACT_EVERY", 10)
    stages, refreshes = [], []
    add = StageSums.add
    monkeypatch.setattr(StageSums, "add", lambda self, *a: (stages.append(self), add(self, *a))[1])
    from apps.costs.services import import_run

    refresh = import_run.cost_rollups_refresh
    monkeypatch.setattr(import_run, "cost_rollups_refresh", lambda **kw: (refreshes.append(kw), refresh(**kw))[1])
    _imports_then_rebuild_agree(tmp_path)
    # Each file's 100 rows hold more than 100 / 3 groups (every row its own resource and hour).
    assert stages and all(s.many_groups and not s.usable and not s.parts for s in stages)
    assert refreshes and all(kw["many_groups"] and kw["stage"] is None for kw in refreshes)


def test_a_refresh_larger_than_the_rollups_rebuilds_their_indexes_identically(in_alpha, tmp_path, monkeypatch):
    from apps.costs.services import rollups

    tables = ("costs_costdaily", "costs_costdailytag")
    before = _index_definitions(*tables)
    assert len(before) >= 6
    dropped = []
    drop = rollups.secondary_indexes_drop
    monkeypatch.setattr(rollups, "BULK_MIN_ROWS", 1)
    monkeypatch.setattr(rollups, "secondary_indexes_drop",
                        lambda cur, table: (dropped.append(table), drop(cur, table))[1])
    _imports_then_rebuild_agree(tmp_path)
    assert set(dropped) == set(tables)
    assert _index_definitions(*tables) == before
