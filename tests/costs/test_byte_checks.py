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


def test_blank_values_and_null_literals_become_nulls_whichever_way_they_are_found():
    """Columns without white space take the offsets' shortcut, the others the kernels; both give what the
    definition gives (blank, only white space, or "null" in any case once trimmed), slices included."""
    import random

    from apps.costs.importers.normalize import _nullify

    def by_definition(values):
        out, literals = [], 0
        for v in values:
            if v is not None and v.strip().lower() == "null":  # str.strip: the same Unicode white space
                literals += 1
                out.append(None)
            else:
                out.append(None if v is None or not v.strip() else v)
        return out, literals

    pieces = ["", " ", "\u00a0", "null", "NuLL", " null ", "\u3000NULL\u2003", "nul", "nulll", "abc", "\t",
              "ёж", "\u2028", "Null\u0085", None, "x null", "NULL", "nUlL", "nu\u00e9", "1234", "Nul\x0c", "nuLl"]
    no_space = [p for p in pieces if p is None or not any(c.isspace() for c in p)]
    rng = random.Random(7)
    for trial in range(2000):
        vals = [rng.choice(no_space if trial % 2 else pieces) for _ in range(rng.randint(0, 9))]
        array = pa.array(vals, pa.string())
        if len(vals) > 2 and trial % 3 == 0:
            array, vals = array.slice(1, len(vals) - 2), vals[1:-1]
        got, literals = _nullify(array)
        assert (got.to_pylist(), literals) == by_definition(vals), vals
    # The shortcut's cases: nothing to do, every value empty, some empty.
    same = pa.array(["a", "bb", "1.5"])
    assert _nullify(same) == (same, 0)
    assert _nullify(pa.array(["", "", None], pa.string()))[0].null_count == 3
    assert _nullify(pa.array(["a", "", "NULL"]))[0].to_pylist() == ["a", None, None]
