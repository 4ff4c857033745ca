"""The row estimate that decides the bulk mode (indexes dropped and rebuilt around the COPY) must be close to
the file's real row count: it used to divide by the bytes read so far, which include the reader's read-ahead,
and estimated 35 000 rows for a 200 000-row file, so a large import maintained every index row by row."""

from __future__ import annotations

from apps.costs.importers.reader import open_source
from apps.costs.importers.spec import COLUMNS
from apps.costs.services.import_run import _rows_estimate

from .conftest import DATA

AWS = DATA / "aws_1_2_cost_and_usage_rows100_seed42.csv"


def test_the_row_estimate_of_a_large_csv_is_within_ten_percent(tmp_path):
    lines = AWS.read_text(encoding="utf-8").splitlines(keepends=True)
    target = tmp_path / "big.csv"
    with open(target, "w", encoding="utf-8") as out:
        out.write(lines[0])
        for _ in range(300):  # 30 000 rows, about 27 MB: several reader batches
            out.writelines(lines[1:])
    source = open_source(str(target), known_columns=set(COLUMNS))
    first = next(source.batches)
    assert first.num_rows < 30_000
    estimate = _rows_estimate(source, first.num_rows, first)
    assert 27_000 <= estimate <= 33_000, estimate
