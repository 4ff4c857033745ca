"""The allocation dimensions the explorer page offers as groupings and filters (apps.allocation's definitions and
the values the rollups' allocations hold)."""

from __future__ import annotations

from apps.allocation.selectors import allocation_set_values, dimension_label, dimensions_list

from .explorer import ALLOC_PREFIX


def alloc_dimension_options() -> list[dict]:
    """``[{"name": "alloc:<key>", "label", "values"}]`` in the dimensions' order: the values listed for each
    dimension, then those the allocations hold that are not listed (a rule may set any value)."""
    allocated: dict[str, set[str]] = {}
    for values in allocation_set_values().values():
        for key, value in values.items():
            if value:
                allocated.setdefault(key, set()).add(value)
    out = []
    for dimension in dimensions_list():
        listed = [v.value for v in dimension.values.all()]
        extra = sorted(allocated.get(dimension.key, set()) - set(listed))
        out.append({"name": f"{ALLOC_PREFIX}{dimension.key}", "label": dimension_label(dimension),
                    "values": [*listed, *extra]})
    return out
