"""Extra columns that repeat, kept once (``costs.ExtrasSet``) instead of on every row.

A wide native export keeps most of its columns as extras, and most of them repeat: an AWS CUR carries some twenty
``product/*`` and ``pricing/*`` values on every line of a SKU. Written on every row they are most of the ledger's
bytes (about 1 KB of JSON per row against 0.5 KB for the FOCUS columns), and loading them is most of the import's
server time. The import therefore sorts an export's extra columns once, on the batch where each first has a value:

- a column with few distinct values in that batch (at most ``max(SHARED_MIN_DISTINCT, rows * SHARED_SHARE)``)
  is *shared*: the shared columns of a row form a JSON object, stored once per distinct object as a set whose
  id (a 64-bit hash of the text) the row carries;
- the others (line item ids, amounts, anything that varies row by row) stay in the row's own ``extras``.

A batch whose shared objects hardly repeat (more than a quarter of its rows distinct) keeps all its extras per
row, and past ``PENDING_LIMIT`` sets the rest of the import does too: the sets wait in memory for the end of the
COPY (``pending``), when the import writes them in its transaction. Nothing here touches the database.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..models import content_id

SHARED_MIN_DISTINCT = 64
SHARED_SHARE = 1 / 16
BATCH_DISTINCT_SHARE = 1 / 4
PENDING_LIMIT = 50_000
EMPTY = "{}"


class ExtrasSets:
    """The import's decisions (which extra columns are shared) and the sets it found (``pending``: id -> JSON)."""

    def __init__(self) -> None:
        self.shared: dict[str, bool] = {}  # extra key -> shared, decided where the column first has a value
        self.pending: dict[int, str] = {}
        self.enabled = True

    def split(self, members: list[tuple[str, pa.Array]], rows: int) -> tuple[list, list]:
        """``members`` (key, values) as (the row's own, the shared ones), each in the given order."""
        if not self.enabled:
            return members, []
        limit = max(SHARED_MIN_DISTINCT, int(rows * SHARED_SHARE))
        own, shared = [], []
        for key, array in members:
            if key not in self.shared:
                self.shared[key] = pc.count_distinct(array).as_py() <= limit
            (shared if self.shared[key] else own).append((key, array))
        return own, shared

    def ids(self, members: list[tuple[str, pa.Array]], to_json) -> pa.Array | None:
        """Each row's set id (decimal text; null where the row has no shared value) for the shared ``members``,
        the new sets kept in ``pending``; None when the batch's combinations hardly repeat (the caller keeps its
        extras per row). The combinations are found from each column's distinct values (integer codes combined
        column by column), and ``to_json`` (``normalize.json_object``) writes one object per combination only."""
        codes, bound = None, 1  # codes < bound
        for _key, array in members:
            encoded = pc.dictionary_encode(_array(array), null_encoding="encode")  # a null is a value of its own
            column, size = encoded.indices.cast(pa.int64()), len(encoded.dictionary)
            if codes is None:
                codes, bound = column, size
                continue
            if bound * size >= 1 << 62:  # renumber the combinations so far (0..count-1) before they overflow
                encoded = pc.dictionary_encode(codes)
                codes, bound = encoded.indices.cast(pa.int64()), len(encoded.dictionary)
            codes, bound = pc.add(pc.multiply(codes, size), column), bound * size
        encoded = pc.dictionary_encode(codes)  # codes 0..count-1, in order of first appearance
        codes, count = encoded.indices.cast(pa.int64()), len(encoded.dictionary)
        if count > max(SHARED_MIN_DISTINCT, len(codes) * BATCH_DISTINCT_SHARE):
            return None
        firsts = pc.index_in(pa.array(range(count), pa.int64()), value_set=codes)  # a row of each combination
        texts = to_json([(key, pc.take(_array(array), firsts)) for key, array in members]).to_pylist()
        ids: list[str | None] = []
        for text in texts:
            if text == EMPTY:
                ids.append(None)
                continue
            key = content_id(text)  # a 64-bit hash of the JSON text
            known = self.pending.setdefault(key, text)
            if known != text:  # a 64-bit collision between two different objects: never write either under it
                raise ValueError("extras set id collision")
            ids.append(str(key))
        if len(self.pending) > PENDING_LIMIT:
            self.enabled = False  # the sets found so far stay; later batches keep their extras per row
        return pc.take(pa.array(ids, pa.string()), codes)


def _array(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
