"""The validator's byte checks (pure functions, no database)."""

from __future__ import annotations

import pyarrow as pa

from apps.costs.importers.normalize import may_contain


def test_may_contain_never_misses_a_character_of_a_slice_or_chunk():
    array = pa.array(["plain", "tab\there", "back\\slash", None, "end"])
    assert may_contain(array, b"\t") and may_contain(array, b"\\")
    assert not may_contain(array, b"\n")
    assert may_contain(array.slice(1, 1), b"\t")
    assert may_contain(pa.chunked_array([pa.array(["a"]), pa.array(["b\r"])]), b"\r")
    assert not may_contain(pa.array([None, None], pa.string()), b"\t")
