"""The «Предложения» page of the business context: allocation rules inferred from the estate, each with its
coverage gain, accepted in one click; the overall coverage of the last 30 days at the top."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.permissions import require_permission
from apps.common.errors import ApplicationError

from .coverage import allocation_coverage
from .services_suggestions import suggestion_accept
from .suggestions import allocation_suggestions

PAGE_LIMIT = 50  # the largest gains; the API lists them all


@require_permission("business.view")
def business_suggestions(request: HttpRequest) -> HttpResponse:
    result = allocation_suggestions()
    coverage = allocation_coverage(start=result.start, end=result.end)
    return render(request, "business/suggestions.html", {
        "result": result,
        "items": result.items[:PAGE_LIMIT],
        "total_count": len(result.items),
        "coverage": coverage,
        "coverage_percent": coverage.overall_cost_share * 100,
        "can_manage": request.access.can("business.manage"),
        "nav_active": "business_overview",
    })


@require_POST
@require_permission("business.manage")
def business_suggestion_accept(request: HttpRequest, suggestion_id: str) -> HttpResponse:
    try:
        rule = suggestion_accept(suggestion_id=suggestion_id, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Rule «%(name)s» is created; the history is being recalculated in the "
                                    "background.") % {"name": rule.name})
    return redirect("business_suggestions")


urlpatterns: list = [
    path("business/suggestions/", business_suggestions, name="business_suggestions"),
    path("business/suggestions/<str:suggestion_id>/accept/", business_suggestion_accept,
         name="business_suggestion_accept"),
]
