"""Error codes of the cost ledger and its imports (rendered by ``apps.common.errors``)."""

from __future__ import annotations

import enum


class CostErrorCode(str, enum.Enum):
    FILE_TOO_LARGE = "file_too_large"
    STORAGE_FULL = "storage_full"
    STORAGE_UNAVAILABLE = "storage_unavailable"
