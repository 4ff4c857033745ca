"""Provider error taxonomy: plugins raise these, the core records and shows them.

``permanent`` means retrying later will not help until a person acts (fix credentials, grant access).
Messages are English msgids translated to Russian by the catalog; they never carry secrets or URLs.
"""

from __future__ import annotations

import enum
from typing import Any

from django.utils.translation import gettext_lazy as _


class ProviderErrorCode(str, enum.Enum):
    """Stable codes shared by the API error body and stored connection/sync errors."""

    AUTH = "provider_auth"
    PERMISSION = "provider_permission"
    RATE_LIMITED = "provider_rate_limited"
    UNAVAILABLE = "provider_unavailable"
    BAD_RESPONSE = "provider_bad_response"


class ProviderError(Exception):
    code: ProviderErrorCode = ProviderErrorCode.UNAVAILABLE
    default_message = _("The provider could not be reached.")
    permanent = False

    def __init__(self, message: str | None = None, *, endpoint: str = "", detail: str = "",
                 permanent: bool | None = None, extra: dict[str, Any] | None = None):
        self.message = str(message) if message is not None else str(self.default_message)
        self.endpoint = endpoint
        # A short technical reason (provider error code/text, HTTP status); never credentials.
        self.detail = detail[:500]
        if permanent is not None:
            self.permanent = permanent
        self.extra = extra or {}
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code.value, "message": self.message, "permanent": self.permanent}
        if self.endpoint:
            data["endpoint"] = self.endpoint
        if self.detail:
            data["detail"] = self.detail
        data.update(self.extra)
        return data

    def __str__(self) -> str:
        parts = [self.message]
        if self.endpoint:
            parts.append(f"[{self.endpoint}]")
        if self.detail:
            parts.append(f"({self.detail})")
        return " ".join(parts)


class ProviderAuthError(ProviderError):
    code = ProviderErrorCode.AUTH
    default_message = _("The provider rejected the credentials. Check the login and password.")
    permanent = True


class ProviderPermissionError(ProviderError):
    code = ProviderErrorCode.PERMISSION
    default_message = _("The credentials are valid but lack access to this part of the provider's API.")
    permanent = True


class ProviderRateLimited(ProviderError):
    code = ProviderErrorCode.RATE_LIMITED
    default_message = _("The provider is limiting the request rate. Try again later.")
    permanent = False

    def __init__(self, message: str | None = None, *, retry_after: float | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        if retry_after is not None:
            self.extra.setdefault("retry_after", retry_after)


class ProviderUnavailable(ProviderError):
    code = ProviderErrorCode.UNAVAILABLE
    default_message = _("The provider is unavailable or did not answer in time. Try again later.")
    permanent = False


class ProviderBadResponse(ProviderError):
    code = ProviderErrorCode.BAD_RESPONSE
    default_message = _("The provider returned an unexpected response.")
    # Usually a provider-side change or glitch: worth retrying later, but not in a tight loop.
    permanent = False


def error_for_status(status: int, *, endpoint: str = "", retry_after: float | None = None,
                     detail: str = "") -> ProviderError:
    """Map an HTTP status outside 2xx to the taxonomy."""
    detail = detail or f"HTTP {status}"
    if status == 401:
        return ProviderAuthError(endpoint=endpoint, detail=detail)
    if status == 403:
        return ProviderPermissionError(endpoint=endpoint, detail=detail)
    if status == 429:
        return ProviderRateLimited(endpoint=endpoint, detail=detail, retry_after=retry_after)
    if status >= 500 or status in (408, 425):
        return ProviderUnavailable(endpoint=endpoint, detail=detail)
    return ProviderBadResponse(endpoint=endpoint, detail=detail)


class SyncErrorCode(str, enum.Enum):
    ALREADY_RUNNING = "sync_already_running"
    INTERNAL_ERROR = "sync_internal_error"
    ALL_ENDPOINTS_FAILED = "sync_all_endpoints_failed"
