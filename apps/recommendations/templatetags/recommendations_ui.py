"""What other apps' pages show of the recommendations (the resource page's «Рекомендации» section), without those
apps importing this one: ``{% load recommendations_ui %}{% resource_findings resource.pk as findings %}``."""

from __future__ import annotations

from django import template

from ..selectors import resource_findings as _resource_findings

register = template.Library()


@register.simple_tag
def resource_findings(resource_pk: int) -> list:
    """The findings about the resource (its own and those that cover it), closed ones left out."""
    return _resource_findings(resource_pk=resource_pk)
