"""Providers' native billing exports, converted to FOCUS while they stream in.

Each format is a module of this package with:

- ``FORMAT``: its ``ImportFormat`` value (``yandex_csv``, ``aws_cur``...), ``PROVIDER``: the provider's name
  as FOCUS ``ProviderName`` and in messages, ``CONNECTION_PROVIDERS``: the keys of the connections a file of
  it may be attached to (empty: any);
- ``REQUIRED``: the native columns its detection needs (they are "known" to the reader);
- ``detect(columns) -> bool``: whether a header is this format (by content, never by file name);
- ``to_focus(batch, *, cost_type) -> pyarrow.RecordBatch``: one batch of native strings as FOCUS columns of
  strings, the native columns it does not map kept as ``x_`` extras;
- ``output_columns(native_columns, *, cost_type) -> list[str]``: the columns ``to_focus`` yields, in order;
- ``SOURCE_BY_DAY``: whether a re-import replaces the ledger by charge day (a file per day, rewritten) rather
  than by billing period;
- for the import report ("which columns were mapped and which were kept as extras", ``column_report``), either
  ``column_map(native_columns) -> (mapped, extras)`` (``{native: "FOCUS column(s)"}``, ``{native: "x_..."}``)
  or the constants ``MAPPED`` (``{native: "FOCUS column(s)"}``), optional ``MAPPED_PREFIXES`` (``{prefix:
  "FOCUS column"}``, e.g. one column per tag) and ``KEEP`` (``{native: "x_..."}``). A native column in neither
  list is reported as not imported.

Formats are tried in ``NATIVE_FORMATS`` order; a FOCUS file (it has ``BilledCost``) is none of them.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from types import ModuleType

NATIVE_FORMATS: tuple[str, ...] = (
    "apps.costs.importers.yandex",
    "apps.costs.importers.vkcloud",
    "apps.costs.importers.aws_cur",
    "apps.costs.importers.aws_cur2",
    "apps.costs.importers.azure",
    "apps.costs.importers.azure_mca",
    "apps.costs.importers.gcp",
    "apps.costs.importers.oci",
)


@cache
def native_modules() -> tuple[ModuleType, ...]:
    return tuple(import_module(path) for path in NATIVE_FORMATS)


def known_columns() -> set[str]:
    """Every native column some format's detection needs (the reader keeps their names as written)."""
    return {column for module in native_modules() for column in module.REQUIRED}


def detect(columns: list[str]) -> ModuleType | None:
    """The native format of a header, or None for FOCUS (or an unknown layout, which FOCUS validation refuses)."""
    if "BilledCost" in columns:
        return None
    return next((module for module in native_modules() if module.detect(columns)), None)


def column_report(module: ModuleType, native_columns: list[str]) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """What became of each native column: (mapped ``{native: FOCUS column(s)}``, kept as extras ``{native:
    extra key}``, not imported ``[native]``), each in the file's column order."""
    if hasattr(module, "column_map"):
        mapped, extras = module.column_map(native_columns)
    else:
        table = getattr(module, "MAPPED", {})
        prefixes = getattr(module, "MAPPED_PREFIXES", {})
        mapped = {}
        for column in native_columns:
            if column in table:
                mapped[column] = table[column]
            else:
                prefix = next((p for p in prefixes if column.startswith(p)), None)
                if prefix is not None:
                    mapped[column] = prefixes[prefix]
        keep = getattr(module, "KEEP", {})
        extras = {c: keep[c] for c in native_columns if c in keep}
    dropped = [c for c in native_columns if c not in mapped and c not in extras]
    return mapped, extras, dropped
