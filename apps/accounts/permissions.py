"""The one mechanism that applies the permission matrix to HTML views and API endpoints."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from .access import access_for_request


def required_permission(view, method: str) -> str | None:
    """A view declares ``required_permissions = {"GET": "members.view", "*": "..."}``."""
    mapping = getattr(view, "required_permissions", None) or {}
    if method in ("HEAD", "OPTIONS"):
        method = "GET"
    return mapping.get(method, mapping.get("*"))


class HasOrganizationPermission(BasePermission):
    """API: the user must have access to the host's organization and the view's permission."""

    message = _("You do not have access to this organization.")

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        access = access_for_request(request)
        if access is None:
            return False
        permission = required_permission(view, request.method)
        if permission and not access.can(permission):
            self.message = _("Your role does not allow this action.")
            return False
        return True


def require_permission(permission: str):
    """HTML views: deny with 403 unless the current organization role allows ``permission``."""

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            access = getattr(request, "access", None)
            if access is None or not access.can(permission):
                raise PermissionDenied(_("Your role does not allow this action."))
            return view_func(request, *args, **kwargs)

        wrapper.required_permission = permission
        return wrapper

    return decorator
