"""Azure cost details of a Microsoft Customer Agreement (camelCase header: ``date``, ``costInBillingCurrency``,
``billingProfileId``...): the conversion of ``azure.py``, which tells the two layouts apart per header."""

from __future__ import annotations

from .azure import (  # noqa: F401 - the native format interface (apps/costs/importers/native.py)
    CONNECTION_PROVIDERS,
    NOTE,
    PROVIDER,
    REQUIRED,
    SOURCE_BY_DAY,
    SOURCE_PREFIX,
    column_map,
    is_azure,
    is_mca,
    output_columns,
    to_focus,
)
from .azure import MAPPED_MCA as MAPPED  # noqa: F401

FORMAT = "azure_mca"


def detect(columns: list[str]) -> bool:
    return is_azure(columns) and is_mca(columns)
