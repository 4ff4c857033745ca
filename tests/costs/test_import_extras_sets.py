"""Extra columns that repeat are stored once (``ExtrasSet``) and every row still reads all of its own.

The files are the real AWS FOCUS sample (100 rows) with extra columns added: one that differs on every row (a line
item id) and two that repeat (a product family of two values and a constant tier). Expected values are built here
from the row numbers, never read back from the importer.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from apps.costs.models import CostRecord, ExtrasSet
from apps.costs.selectors.focus_export import focus_csv_chunks
from apps.costs.services.imports import focus_file_import

from .conftest import DATA

pytestmark = pytest.mark.django_db
AWS = DATA / "aws_1_2_cost_and_usage_rows100_seed42.csv"
ROWS = 100


def _write(path, add):
    with open(AWS, newline="", encoding="utf-8") as fh, open(path, "w", newline="", encoding="utf-8") as out:
        reader = csv.DictReader(fh)
        rows = [add(i, row) for i, row in enumerate(reader)]
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _line(i: int) -> str:
    return f"line-{i:04d}"


def _expected(i: int) -> dict:
    return {"x_LineItemId": _line(i), "x_ProductFamily": "Compute" if i % 2 else "Storage", "x_Tier": "gold"}


def _add(i, row):
    row.update(_expected(i))
    return row


def _by_line() -> dict[str, CostRecord]:
    rows = CostRecord.objects.select_related("extras_set")
    return {r.extra_columns["x_LineItemId"]: r for r in rows}


def test_repeated_extra_columns_are_stored_once_and_every_row_reads_all_of_its_own(in_alpha, tmp_path):
    bi = focus_file_import(path=str(_write(tmp_path / "extras.csv", _add)))
    assert bi.status == "success", (bi.error, bi.report[:3])
    rows = _by_line()
    assert len(rows) == ROWS
    for i in range(ROWS):
        assert rows[_line(i)].extra_columns == _expected(i)
    # What differs on every row stays on the row; the two repeating columns are two sets, one per product family.
    assert {frozenset(r.extras) for r in rows.values()} == {frozenset({"x_LineItemId"})}
    assert sorted(ExtrasSet.objects.values_list("extras", flat=True), key=str) == [
        {"x_ProductFamily": "Compute", "x_Tier": "gold"}, {"x_ProductFamily": "Storage", "x_Tier": "gold"}]

    again = focus_file_import(path=str(tmp_path / "extras.csv"))  # the same file: the same sets, found again
    assert again.status == "success" and again.rows_replaced == ROWS
    assert ExtrasSet.objects.count() == 2
    assert all(rows_again.extra_columns == _expected(int(line[5:]))
               for line, rows_again in _by_line().items())


def test_the_focus_export_writes_shared_and_own_extra_columns(in_alpha, tmp_path):
    assert focus_file_import(path=str(_write(tmp_path / "extras.csv", _add))).status == "success"
    text = b"".join(focus_csv_chunks(start=date(2026, 5, 1), end=date(2026, 5, 31))).decode()
    exported = list(csv.DictReader(io.StringIO(text)))
    assert len(exported) == ROWS
    got = {row["x_LineItemId"]: (row["x_ProductFamily"], row["x_Tier"]) for row in exported}
    assert got == {_line(i): ("Compute" if i % 2 else "Storage", "gold") for i in range(ROWS)}


def test_columns_that_hardly_repeat_together_stay_on_every_row(in_alpha, tmp_path, monkeypatch):
    """Each column alone repeats (two and fifty values), but together they are different on every row: the batch's
    combinations are looked at and no set is made."""
    from apps.costs.importers.extras import ExtrasSets

    answers = []
    ids = ExtrasSets.ids
    monkeypatch.setattr(ExtrasSets, "ids", lambda self, members, to_json: (
        answers.append((sorted(key for key, _values in members), ids(self, members, to_json))), answers[-1][1])[1])

    def add(i, row):
        row.update({"x_Half": str(i % 2), "x_Slot": str(i // 2)})
        return row

    bi = focus_file_import(path=str(_write(tmp_path / "unique.csv", add)))
    assert bi.status == "success", (bi.error, bi.report[:3])
    assert answers == [(["x_Half", "x_Slot"], None)]
    assert not ExtrasSet.objects.exists()
    records = list(CostRecord.objects.all())
    assert sorted((r.extras["x_Half"], int(r.extras["x_Slot"])) for r in records) == sorted(
        (str(i % 2), i // 2) for i in range(ROWS))
    assert all(r.extras_set_id is None for r in records)


def test_combinations_of_many_columns_are_told_apart_exactly():
    """Forty columns of three values each (3**40 combinations could not be numbered in 64 bits): the rows are
    three combinations, null being a value of its own, and each gets one set."""
    import pyarrow as pa

    from apps.costs.importers.extras import ExtrasSets
    from apps.costs.importers.normalize import json_object

    rows = 120
    members = [(f"x_c{c}", pa.array([None if i % 3 == 2 else f"v{i % 3}" for i in range(rows)], pa.string()))
               for c in range(40)]
    sets = ExtrasSets()
    ids = sets.ids(members, json_object).to_pylist()
    assert ids[2] is None  # every shared value of the row is null: no set
    assert [ids[i] == ids[i % 3] for i in range(rows)] == [True] * rows
    assert len({ids[0], ids[1]}) == 2 and len(sets.pending) == 2
    assert sorted(sets.pending.values()) == sorted(
        "{" + ",".join(f'"x_c{c}":"v{v}"' for c in range(40)) + "}" for v in (0, 1))


def test_a_file_that_replaces_another_takes_its_unused_sets_away(in_alpha, tmp_path):
    first = _write(tmp_path / "gold.csv", _add)
    second = _write(tmp_path / "silver.csv", lambda i, row: {**_add(i, row), "x_Tier": "silver"})
    assert focus_file_import(path=str(first)).status == "success"
    assert {e["x_Tier"] for e in ExtrasSet.objects.values_list("extras", flat=True)} == {"gold"}
    replaced = focus_file_import(path=str(second))  # the same account and month: it replaces the first
    assert replaced.status == "success" and replaced.rows_replaced == ROWS
    assert sorted(ExtrasSet.objects.values_list("extras", flat=True), key=str) == [
        {"x_ProductFamily": "Compute", "x_Tier": "silver"}, {"x_ProductFamily": "Storage", "x_Tier": "silver"}]
    assert {r.extra_columns["x_Tier"] for r in CostRecord.objects.select_related("extras_set")} == {"silver"}
