"""Assertions shared by the test modules."""

from __future__ import annotations

import re

from django.utils import translation

CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def api_error(response, status: int, code: str | None = None) -> dict:
    """Assert the one API error shape ``{"error": {"code", "message"[, "details"]}}`` and return its body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert {"code", "message"} <= set(error) <= {"code", "message", "details"}, error
    assert isinstance(error["message"], str) and error["message"], error
    if code is not None:
        assert error["code"] == code, error
    return error


def russian(message: str, **params) -> str:
    """``message`` as the Russian UI shows it (the msgid itself while the catalog lacks it)."""
    with translation.override("ru"):
        text = translation.gettext(message)
    return text % params if params else text


def form_errors(response) -> dict[str, list[str]]:
    """Errors of the form the page was rendered with (pages are asserted on data, not on markup)."""
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}
