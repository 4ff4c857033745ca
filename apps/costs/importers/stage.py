"""The rollup stage of an import's rows, summed in Arrow while the rows stream to the ledger.

The rollups (``apps.costs.services.rollups``) start from a stage: the ledger's rows of a date range summed
by every rollup dimension and the tags. Built in SQL, that reads back every row the import has just written
(a million rows are a gigabyte); summed here, on the client core, while the server is busy with the COPY,
it costs a hash aggregation per batch and leaves the server only the rows of the range the import did not
write. Amounts are exact: the text values are read as decimals and rounded to the ledger's 10 places the way
PostgreSQL rounds numeric input (half away from zero), so the sums equal what the ledger holds.

The amounts are read by ``apps.common.pgbinary.decimals_read``, as the binary COPY reads them (the importer hands over
the decimals it already read, so they are read once). When a value cannot be read (no numeric holds it), the groups
outgrow ``MAX_GROUPS`` (memory), or the rows hardly share their groups (``FEW_SUMS_*``), the stage gives up and the
rollups build it from the ledger as before.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from apps.common.pgbinary import EncodeError, decimals_read, repeated, values_bytes

MONEY = pa.decimal128(38, 10)
SUMS = ("billed", "effective", "list")
MAX_GROUPS = 400_000  # groups kept at most (a compaction first): beyond, the SQL stage is cheaper than memory
# A compaction re-aggregates every group kept so far: it runs once the uncompacted groups reach COMPACT_EVERY
# and as many as the last compaction left, so its cost stays proportional to the rows (once per batch when
# the groups passed COMPACT_EVERY cost a re-aggregation of them all per batch: 30 s of a 1 M-row file with
# 120 000 groups).
COMPACT_EVERY = 100_000
# Rows that hardly share their groups (at least FEW_SUMS_MIN_GROUPS groups, more than one per FEW_SUMS_SHARE rows
# after a compaction) are not summed here: the stage would hold nearly a row per group and its compactions would
# take hundreds of megabytes, to save the server one grouped read of rows it has just written.
FEW_SUMS_MIN_GROUPS = 50_000
FEW_SUMS_SHARE = 3


def _money(array: pa.Array) -> pa.Array:
    return decimals_read(array, MONEY.scale, "")  # exact, rounded as the ledger rounds


class StageSums:
    def __init__(self, dimensions: tuple[str, ...], *, tag_sets: dict[str, str] | None = None):
        # Grouped by the tag set's id (a dimension), not by the tags' text: the stage gets the text of each set
        # from ``tag_sets`` (id -> JSON text, filled by the validation) when it is written.
        self.keys = list(dimensions)
        self.tag_sets = tag_sets if tag_sets is not None else {}
        self.parts: list[pa.Table] = []
        self.pending = 0  # groups in ``parts``
        self.compacted = 0  # groups the last compaction left (the first part)
        self.rows = 0  # rows summed
        self.many_groups = False  # given up because the groups are many (the server's stage: see the rollups)
        self.failed = False

    @property
    def usable(self) -> bool:
        return not self.failed

    def add(self, table: pa.Table, decimals: dict[str, pa.Array] | None = None) -> None:
        """Sum one normalized batch (the ledger's columns as text, NULL as null). ``decimals``: amounts already read
        as ``MONEY`` decimals, by column (the binary COPY's, ``apps.common.pgbinary``), used as they are."""
        if self.failed or table.num_rows == 0:
            return
        decimals = decimals or {}
        try:
            billed, effective, listed = (
                decimals[name] if name in decimals and decimals[name].type == MONEY else _money(table.column(name))
                for name in ("billed_cost", "effective_cost", "list_cost"))
        except EncodeError:
            self._give_up()
            return
        # rollups.AMORTIZED_SQL: a commitment purchase counts 0 in the amortized view.
        purchase = pc.and_(
            pc.equal(table.column("charge_category"), "Purchase"),
            pc.not_equal(pc.fill_null(table.column("commitment_discount_id"), ""), ""),
        )
        effective = pc.if_else(pc.fill_null(purchase, False), pa.scalar(0, MONEY), effective)
        columns = {key: table.column(key) for key in self.keys}
        columns.update(billed=billed, effective=effective, list=listed)
        grouped = _group(pa.table(columns), self.keys, [(name, "sum") for name in SUMS] + [("billed", "count")])
        self.parts.append(grouped)
        self.pending += grouped.num_rows
        self.rows += table.num_rows
        if self.pending - self.compacted > max(COMPACT_EVERY, self.compacted) or self.pending > MAX_GROUPS:
            self._compact()
            self.many_groups = self.pending > MAX_GROUPS or (self.pending >= FEW_SUMS_MIN_GROUPS
                                                             and self.pending * FEW_SUMS_SHARE > self.rows)
            if self.many_groups:
                self._give_up()

    def _give_up(self) -> None:
        self.failed = True
        self.parts = []
        self.pending = self.compacted = 0
        pa.default_memory_pool().release_unused()

    def _compact(self) -> None:
        if len(self.parts) < 2:
            return
        table = pa.concat_tables(self.parts)
        self.parts = []  # the parts go as soon as they are summed
        grouped = _group(table, self.keys, [(name, "sum") for name in (*SUMS, "n")])
        del table
        self.parts = [grouped]
        self.pending = self.compacted = grouped.num_rows
        # The compaction's hash tables and the parts it summed are free now: hand the pages back (the allocator
        # would otherwise keep them, and the next compaction, larger, would take more beside them).
        pa.default_memory_pool().release_unused()

    def write_to(self, cursor, table_name: str) -> None:
        """COPY the groups into the stage table (``rollups.STAGE``: the dimensions, tags, sums, row count)."""
        self._compact()
        if not self.parts:
            return
        table = self.parts[0]
        names = [*self.keys, "tags", *SUMS, "n"]
        ids = pa.array(list(self.tag_sets), pa.string())
        texts = pa.array(list(self.tag_sets.values()), pa.string())
        tags = pc.fill_null(pc.take(texts, pc.index_in(table.column("tag_set_id"), value_set=ids)), "{}")
        fields = []
        for name in names:
            array = tags if name == "tags" else table.column(name)
            if array.type != pa.string():
                array = pc.cast(array, pa.string())
            else:
                for char, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
                    array = pc.replace_substring(array, char, escaped)
            fields.append(pc.fill_null(array, "\\N"))
        fields[-1] = pc.binary_join_element_wise(fields[-1], "\n", "")  # the line end
        lines = pc.binary_join_element_wise(*fields, "\t")
        del table, fields
        columns = ", ".join(names)
        with cursor.copy(f"COPY {table_name} ({columns}) FROM STDIN") as copy:  # noqa: S608 - our names
            # The lines' bytes as Arrow holds them, one block per chunk (no Python string per group).
            for chunk in lines.chunks if isinstance(lines, pa.ChunkedArray) else [lines]:
                if len(chunk):
                    copy.write(values_bytes(chunk))


def _group(table: pa.Table, keys: list[str], aggregations: list[tuple[str, str]]) -> pa.Table:
    """``table`` grouped by ``keys`` with ``aggregations``, as the columns ``keys``, SUMS, ``n``.

    Keys with one value in the whole table (the connection, the currency, the empty allocation columns...)
    are put back after the aggregation instead of being hashed for every row: less time, and a smaller hash
    table when the groups are compacted."""
    constant, varying = {}, []
    for key in keys:
        array = table.column(key)
        if array.null_count == len(array) or (array.null_count == 0 and pc.all(pc.equal(array, array[0])).as_py()):
            constant[key] = array[0].as_py()
        else:
            varying.append(key)
    values = list(dict.fromkeys(name for name, _function in aggregations))
    grouped = table.select([*varying, *values]).group_by(varying, use_threads=False).aggregate(aggregations)
    grouped = grouped.rename_columns([_plain(c) for c in grouped.column_names])
    for key, value in constant.items():
        grouped = grouped.append_column(key, repeated(value, grouped.num_rows))
    return grouped.select([*keys, *SUMS, "n"])


def _plain(name: str) -> str:
    """``billed_sum`` -> ``billed``, ``billed_count`` -> ``n``, ``n_sum`` -> ``n`` (Arrow names aggregates)."""
    if name == "billed_count":
        return "n"
    if name.endswith("_sum") and name[:-4] in (*SUMS, "n"):
        return name[:-4]
    return name
