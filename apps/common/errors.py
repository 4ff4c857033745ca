"""One domain error type and one JSON error shape for the whole API.

Every API error is ``{"error": {"code": "...", "message": "...", "details": {...}}}``.
"""

from __future__ import annotations

import enum
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ErrorCode(str, enum.Enum):
    """Codes every app may use; an app keeps its own codes in its ``exceptions.py`` as an ``enum.Enum``."""

    INVALID = "invalid"
    NOT_AUTHENTICATED = "not_authenticated"
    AUTHENTICATION_FAILED = "authentication_failed"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    THROTTLED = "throttled"
    CONFLICT = "conflict"
    SERVER_ERROR = "server_error"


class ApplicationError(Exception):
    """A business error with a translated message and a stable code."""

    http_status = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, code: enum.Enum = ErrorCode.INVALID, extra: dict[str, Any] | None = None,
                 http_status: int | None = None):
        super().__init__(message)
        self.message = str(message)
        self.code = code
        self.extra = extra or {}
        if http_status is not None:
            self.http_status = http_status


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": str(message)}
    if details:
        body["details"] = details
    return {"error": body}


_DRF_CODES = {
    exceptions.NotAuthenticated: ErrorCode.NOT_AUTHENTICATED,
    exceptions.AuthenticationFailed: ErrorCode.AUTHENTICATION_FAILED,
    exceptions.PermissionDenied: ErrorCode.PERMISSION_DENIED,
    exceptions.NotFound: ErrorCode.NOT_FOUND,
    exceptions.MethodNotAllowed: ErrorCode.METHOD_NOT_ALLOWED,
    exceptions.Throttled: ErrorCode.THROTTLED,
    exceptions.ValidationError: ErrorCode.INVALID,
}


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code.value, exc.message, exc.extra), status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        details = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(error_body(ErrorCode.INVALID.value, _("Invalid input."), details), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), ErrorCode.INVALID)
    if isinstance(exc, exceptions.ValidationError):
        message, details = _("Invalid input."), response.data
    else:
        message, details = (response.data.get("detail", "") if isinstance(response.data, dict) else ""), None
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        # DRF turns 401 into 403 when no WWW-Authenticate is available; keep 401 for missing credentials.
        response.status_code = 401
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    response.data = error_body(code.value, message, details)
    return response


def error_json_response(exc: ApplicationError) -> JsonResponse:
    """``exc`` as a page's JSON endpoint answers it: the API's body, the same HTTP status."""
    return JsonResponse(error_body(getattr(exc.code, "value", str(exc.code)), exc.message, exc.extra),
                        status=exc.http_status)


def json_errors(view):
    """A page endpoint that scripts call: when the request accepts JSON, its errors (business, not found, not
    allowed) answer in the API's shape and status instead of an HTML error page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if "application/json" not in request.headers.get("Accept", ""):
            return view(request, *args, **kwargs)
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:
            return error_json_response(exc)
        except Http404:
            return error_json_response(ApplicationError(_("Not found."), ErrorCode.NOT_FOUND, http_status=404))
        except DjangoPermissionDenied as exc:
            message = str(exc) if exc.args else _("Your role does not allow this action.")
            return error_json_response(ApplicationError(message, ErrorCode.PERMISSION_DENIED, http_status=403))

    return wrapper
