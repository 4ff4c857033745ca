"""Input that PostgreSQL cannot store is refused before any view sees it.

PostgreSQL text never holds the NUL character (``\\x00``): a filter or field carrying one used to reach a query
and answer 500. One check here covers every text input a request can carry -- the path, the query string, and
the decoded values of form and JSON bodies (recursively, keys too) -- and answers 400: the API's one error shape
for API paths and requests that accept JSON, a 400 page otherwise. Uploaded files are not inspected (only the
text fields of a multipart form); a billing file's content is the importer's to judge.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import JsonResponse, QueryDict
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from .errors import ErrorCode, error_body

logger = logging.getLogger(__name__)

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def _printable(name: str) -> str:
    return name.replace(NUL, "\\x00")


def _query_dict_offenders(data) -> Iterator[str]:
    for key, values in data.lists():
        if NUL in key or any(NUL in value for value in values):
            yield _printable(key)


def _json_offenders(data: Any) -> list[str]:
    """Dotted paths (``credentials.secret_key``, ``tags.0``) of every string, key or value, holding a NUL.

    A walk with its own stack: a deeply nested body must not exhaust Python's recursion limit here."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        prefix, node = stack.pop()
        if isinstance(node, dict):
            children = [(str(key), value) for key, value in node.items()]
        elif isinstance(node, list):
            children = [(str(index), value) for index, value in enumerate(node)]
        else:
            if isinstance(node, str) and NUL in node:
                found.append(prefix or "non_field_errors")
            continue
        for key, value in reversed(children):
            path = f"{prefix}.{key}" if prefix else key
            if NUL in key:
                found.append(_printable(path))
            else:
                stack.append((path, value))
    return found


def nul_offenders(request) -> list[str]:
    """The names of the inputs of ``request`` that hold a NUL character (never their values)."""
    offenders: list[str] = []
    if NUL in request.path:
        offenders.append("path")
    offenders.extend(_query_dict_offenders(request.GET))
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return offenders
    content_type = request.content_type or ""
    if content_type in FORM_TYPES and request.method == "POST":
        # Parses what the view would parse anyway; file parts go to the upload handlers (memory or a temporary
        # file, as for the view) and into request.FILES, which is never read here.
        offenders.extend(_query_dict_offenders(request.POST))
    elif content_type == FORM_TYPES[0]:
        # Django fills request.POST for POST only; a PUT/PATCH form (DRF parses it) is read here.
        offenders.extend(_query_dict_offenders(QueryDict(request.body, encoding=request.encoding)))
    elif _is_json(content_type):
        try:
            data = json.loads(request.body)
        except (ValueError, RecursionError):
            pass  # not JSON (or nested beyond the parser): the view answers its own parse error
        else:
            offenders.extend(_json_offenders(data))
    return list(dict.fromkeys(offenders))


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


class RejectNulMiddleware:
    """400 for a request with a NUL character in its path, query string or form/JSON body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offenders = nul_offenders(request)
        if not offenders:
            return self.get_response(request)
        logger.warning("Refused a request with a NUL character in %s: %s %s", ", ".join(offenders),
                       request.method, "(path not shown)" if NUL in request.path else request.path)
        message = _("Null characters are not allowed.")
        if _wants_json(request):
            response = JsonResponse(
                error_body(ErrorCode.INVALID.value, _("Invalid input."), {name: [message] for name in offenders}),
                status=400,
            )
        else:
            response = TemplateResponse(request, "errors/bad_input.html",
                                        {"fields": offenders, "message": message}, status=400)
            response.render()
        # The warning above is the one log line; Django's "Bad Request: <path>" would repeat it.
        response._has_been_logged = True
        return response


class PermissionsPolicyMiddleware:
    """Adds ``Permissions-Policy`` to every response: the product uses no device or payment API.

    The policy comes from ``settings.PERMISSIONS_POLICY`` (feature -> list of allowed origins; an empty list
    disables the feature everywhere, including in frames). A view that sets its own header keeps it.
    """

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})" for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.header
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's header (``CONTENT_SECURITY_POLICY``), strict on every page of the product.

    The support admin on the public host is the one exception, for styles only: Django's and django-tenants'
    admin templates carry inline ``<style>`` elements and ``style`` attributes. Scripts stay ``'self'`` there too.
    """

    ADMIN_PREFIX = "/admin/"

    def process_response(self, request, response):
        if settings.DEBUG and response.status_code in (404, 500) and "html" in response.get("Content-Type", ""):
            # Django's technical 404/500 pages (DEBUG only) are built of inline styles and scripts.
            response._csp_exempt = True
        if request.path.startswith(self.ADMIN_PREFIX):
            update = dict(getattr(response, "_csp_update", None) or {})
            update["style-src"] = [*update.get("style-src", []), UNSAFE_INLINE]
            response._csp_update = update
        return super().process_response(request, response)
