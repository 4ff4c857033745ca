"""The shape of a rule and of what it finds.

A rule is a class with a ``key``, a ``version``, a Russian ``title`` and ``description``, the resource ``kinds``
and ``providers`` it applies to (empty = any), its ``params`` with defaults and bounds, and
``evaluate(context, params) -> iterable of FindingDraft``. It reads only the ``Context`` (no database), so a unit
test builds the context by hand and checks the savings it computed by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from apps.common.numbers import format_money, format_number

from ..context import Context, ResourceView

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Param:
    """One tunable number of a rule: its default and the range an organization may set it in."""

    key: str
    label: Any  # lazy translation
    default: Decimal
    minimum: Decimal
    maximum: Decimal
    unit: str = ""
    integer: bool = False

    def clean(self, value: Any) -> Decimal:
        """The value as a Decimal within bounds; ``ValueError`` with the bounds otherwise."""
        try:
            number = Decimal(str(value).strip().replace(",", "."))
        except ArithmeticError:
            raise ValueError("not a number") from None
        if not number.is_finite() or number < self.minimum or number > self.maximum:
            raise ValueError("out of range")
        if self.integer and number != number.to_integral_value():
            raise ValueError("not an integer")
        return number


@dataclass
class FindingDraft:
    """What a rule found; the engine turns it into a ``Finding`` (same ``subject`` -> same finding)."""

    resource: ResourceView | None
    action: str
    title: str
    formula: str = ""
    savings: Decimal | None = None  # per month, in the context's currency
    confidence: str = "medium"
    confidence_reason: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    action_text: str = ""
    related: tuple[int, ...] = ()  # other resources' pks the finding covers (disks and IPs of a stopped VM...)
    risk: str = ""
    subject: str = ""  # defaults to the resource's pk
    category: str = ""  # defaults to the rule's category

    def __post_init__(self) -> None:
        if self.savings is not None:
            self.savings = Decimal(self.savings).quantize(CENT, ROUND_HALF_UP)
        if not self.subject:
            self.subject = str(self.resource.pk) if self.resource is not None else ""


class Rule:
    key: ClassVar[str] = ""
    version: ClassVar[int] = 1
    category: ClassVar[str] = ""
    title: ClassVar[Any] = ""
    description: ClassVar[Any] = ""
    kinds: ClassVar[tuple[str, ...]] = ()
    providers: ClassVar[tuple[str, ...]] = ()  # empty: every provider whose data allows it
    params: ClassVar[tuple[Param, ...]] = ()

    def defaults(self) -> dict[str, Decimal]:
        return {param.key: param.default for param in self.params}

    def resources(self, context: Context) -> list[ResourceView]:
        """The context's resources this rule applies to (its kinds and providers)."""
        found = context.of_kind(*self.kinds) if self.kinds else list(context.resources)
        if self.providers:
            found = [r for r in found if r.provider in self.providers]
        return found

    def evaluate(self, context: Context, params: Mapping[str, Decimal]) -> Iterable[FindingDraft]:
        raise NotImplementedError


def money(value: Decimal, currency: str = "RUB") -> str:
    """``1 105,00 ₽`` in the active language (formulas are written in the organization's language)."""
    return format_money(Decimal(value).quantize(CENT, ROUND_HALF_UP), currency)


def number(value: Decimal, places: int | None = None) -> str:
    """``4``, ``2,5``, ``12 300``: whole numbers without decimals, others with up to two (or ``places``)."""
    return format_number(value, places=places)
