"""Writes of the allocation definitions. Each change bumps the definitions' version and empties the signature
cache; applying the change to the rollups is the caller's job (``apps.business.services`` schedules it), since
the rollups live a layer above."""

from __future__ import annotations

import json

from django.db import transaction
from django.db.models import F

from .models import AllocationSet, AllocationSignature, AllocationState, Dimension
from .vocabulary import BUILTIN_DIMENSIONS, DEFAULT_REQUIRED


def allocation_set_key(values: dict[str, str], split_id: int | None = None) -> str:
    clean = {k: v for k, v in sorted(values.items()) if v}
    return json.dumps({"v": clean, "s": split_id}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class AllocationSets:
    """Ids of value combinations, created as they are first seen (one query per new combination)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = dict(AllocationSet.objects.values_list("key", "id"))

    def ensure(self, many: list[dict[str, str]], split_id: int | None = None) -> None:
        """Create the combinations of ``many`` not seen yet, in one insert (an existing one is left alone)."""
        new: dict[str, dict[str, str]] = {}
        for values in many:
            key = allocation_set_key(values, split_id)
            if key not in self.ids and key not in new:
                new[key] = {k: v for k, v in values.items() if v}
        if not new:
            return
        AllocationSet.objects.bulk_create([AllocationSet(key=key, values=clean, split_id=split_id)
                                           for key, clean in new.items()], ignore_conflicts=True, batch_size=2000)
        keys = list(new)
        for start in range(0, len(keys), 5000):
            self.ids.update(AllocationSet.objects.filter(key__in=keys[start:start + 5000]).values_list("key", "id"))

    def id_for(self, values: dict[str, str], split_id: int | None = None) -> int:
        key = allocation_set_key(values, split_id)
        found = self.ids.get(key)
        if found is None:
            clean = {k: v for k, v in values.items() if v}
            found = AllocationSet.objects.get_or_create(key=key, defaults={"values": clean, "split_id": split_id})[0].id
            self.ids[key] = found
        return found


def allocation_state_get(*, lock: bool = False) -> AllocationState:
    qs = AllocationState.objects.order_by("id")
    if lock:
        qs = qs.select_for_update()
    state = qs.first()
    if state is None:
        state = AllocationState.objects.create(version=1, applied_version=0)
    return state


@transaction.atomic
def definitions_changed() -> int:
    """The rules, overrides, splits or dimensions changed: a new version. Every signature evaluated for an earlier
    version is stale: a rollup refresh evaluates its own again, the history's apply all of them. Returns the new
    version."""
    state = allocation_state_get(lock=True)
    AllocationState.objects.filter(pk=state.pk).update(version=F("version") + 1)
    state.refresh_from_db()
    return state.version


def builtin_dimensions_ensure() -> None:
    """The six built-in dimensions (business unit and environment required for coverage), if missing."""
    existing = set(Dimension.objects.values_list("key", flat=True))
    for position, (key, label) in enumerate(BUILTIN_DIMENSIONS):
        if key not in existing:
            Dimension.objects.create(key=key, name=str(label), builtin=True, position=position,
                                     required=key in DEFAULT_REQUIRED)


def signatures_forget() -> None:
    """The inventory changed (names, tags, projects): every signature is evaluated again by the next rollup refresh
    that reads it (the definitions stay). Their allocation stays until then: the rollups point at them."""
    AllocationSignature.objects.filter(version__gt=0).update(version=0)
