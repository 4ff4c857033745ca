"""Accepting an allocation suggestion: it becomes a rule after the existing ones, its value joins the dimension's
values, and the history is recalculated in the background (``services.allocation_changed``)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from apps.allocation.models import Dimension, DimensionValue, Rule
from apps.common.errors import ApplicationError, ErrorCode

from .services import allocation_changed
from .suggestions import SUGGESTION_SOURCE, suggestion_get, unallocated_error

ACCEPTED_ACTION = "allocation.suggestion_accepted"


@transaction.atomic
def suggestion_accept(*, suggestion_id: str, actor) -> Rule:
    """The rule of suggestion ``suggestion_id`` (as listed now), created last in order. An unknown or outdated
    id (already accepted, or the estate changed) is a 404 with a Russian message."""
    suggestion = suggestion_get(suggestion_id=str(suggestion_id or "")) if suggestion_id else None
    if suggestion is None:
        raise ApplicationError(unallocated_error(), code=ErrorCode.NOT_FOUND, http_status=404)
    # One accept at a time: two clicks on the same card must not make two rules.
    Dimension.objects.select_for_update().filter(key=suggestion.dimension).first()
    source = f"{SUGGESTION_SOURCE}{suggestion.id}"
    if Rule.objects.filter(source=source).exists():
        raise ApplicationError(unallocated_error(), code=ErrorCode.NOT_FOUND, http_status=404)
    last = Rule.objects.aggregate(last=Max("order"))["last"]
    rule = Rule.objects.create(
        name=suggestion.name, order=(last if last is not None else 0) + 1,
        conditions=suggestion.rule["conditions"], actions=suggestion.rule["actions"], enabled=True, source=source,
        created_by_id=getattr(actor, "pk", None))
    dimension = Dimension.objects.get(key=suggestion.dimension)
    DimensionValue.objects.get_or_create(dimension=dimension, value=suggestion.value)
    allocation_changed(actor=actor, action=ACCEPTED_ACTION, target=rule.name, data={
        "rule": rule.pk, "suggestion": suggestion.id, "dimension": suggestion.dimension, "value": suggestion.value,
        "coverage_gain": str(suggestion.coverage_gain)})
    return rule
