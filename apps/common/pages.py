"""Paging of list pages: one page of the items and the query string that keeps the filters across pages."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def page_of(request: HttpRequest, items: Any, *, per_page: int) -> tuple[Page, str]:
    """The page ``?page=`` asks for (the last one when it is past the end) and the request's other query
    parameters, urlencoded, for the pager's links (``templates/partials/pager.html``)."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
