"""Error codes of organizations and onboarding (rendered by ``apps.common.errors``)."""

from __future__ import annotations

import enum


class TenantErrorCode(str, enum.Enum):
    SLUG_TAKEN = "slug_taken"
    SLUG_RESERVED = "slug_reserved"
    SLUG_INVALID = "slug_invalid"
    REQUISITES_INVALID = "requisites_invalid"
