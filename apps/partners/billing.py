"""What a partner bills a client for a month: the client's cost by provider and service, priced by billing rules.

For each cost line the most specific rule of the partner applies: a rule for this client beats a partner-wide one,
then one naming the provider beats one that does not, then one naming the service (score client 4, provider 2,
service 1; a rule whose provider or service differs from the line's does not apply). Without a rule, the line is
billed at cost. A line's amount:

    list price     = cost / (1 − d)            d: the partner's discount from the provider (provider_discount_percent)
    client price   = list × (1 − d × p)        p: the share of that discount passed to the client (pass_through)
    amount         = client price × (1 + m)    m: markup_percent

so with no discount the amount is ``cost × (1 + m)``, and a discount the partner retains (p = 0) bills the client
the provider's list price. Each line is rounded half up to kopecks. Then, per client and month:
- the fixed monthly fee of every rule that priced a line, and of the client's general rule (the most specific
  rule naming neither provider nor service), once each;
- the minimum charge (the largest of those rules' minimums): when the sum is below it, a top-up line.
VAT 20 % is computed on the subtotal (rounded half up); the ledger's costs are taken as amounts without VAT.
Margin = subtotal − cost; margin percent = margin / subtotal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .vocabulary import VAT_RATE, LineKind

KOPECK = Decimal("0.01")
HUNDRED = Decimal(100)


def kopecks(value: Decimal) -> Decimal:
    return value.quantize(KOPECK, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CostLine:
    provider: str
    service: str
    cost: Decimal


@dataclass(frozen=True)
class BillLine:
    kind: str  # LineKind
    provider: str
    service: str
    cost: Decimal
    amount: Decimal
    rule_id: int | None = None

    @property
    def markup(self) -> Decimal:
        return self.amount - self.cost

    def as_dict(self) -> dict[str, str | None]:
        """The frozen form kept on a statement: money as decimal strings."""
        return {"kind": self.kind, "provider": self.provider, "service": self.service, "cost": str(self.cost),
                "markup": str(self.markup), "amount": str(self.amount), "rule_id": self.rule_id}


@dataclass
class Bill:
    currency: str
    lines: list[BillLine] = field(default_factory=list)

    @property
    def cost(self) -> Decimal:
        return sum((line.cost for line in self.lines), Decimal(0))

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def vat(self) -> Decimal:
        return kopecks(self.subtotal * VAT_RATE)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.vat

    @property
    def margin(self) -> Decimal:
        return self.subtotal - self.cost

    @property
    def margin_percent(self) -> Decimal | None:
        """Margin as a percent of the amount billed (None when nothing is billed)."""
        if not self.subtotal:
            return None
        return (self.margin * HUNDRED / self.subtotal).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def empty(self) -> bool:
        return not any(line.kind == LineKind.USAGE for line in self.lines)


def _score(rule, *, organization_id: int, provider: str, service: str) -> int | None:
    """How specifically ``rule`` matches the line; None when it does not apply."""
    if rule.organization_id is not None and rule.organization_id != organization_id:
        return None
    if rule.provider and rule.provider != provider:
        return None
    if rule.service and rule.service != service:
        return None
    return (4 if rule.organization_id is not None else 0) + (2 if rule.provider else 0) + (1 if rule.service else 0)


def rule_for(rules: Iterable, *, organization_id: int, provider: str, service: str):
    """The rule that prices a line of ``provider``/``service`` for the client, or None."""
    best, best_score = None, -1
    for rule in rules:
        score = _score(rule, organization_id=organization_id, provider=provider, service=service)
        if score is not None and score > best_score:
            best, best_score = rule, score
    return best


def general_rule(rules: Iterable, *, organization_id: int):
    """The client's most specific rule that names neither provider nor service."""
    return rule_for([r for r in rules if not r.provider and not r.service], organization_id=organization_id,
                    provider="", service="")


def line_amount(cost: Decimal, rule) -> Decimal:
    if rule is None:
        return kopecks(cost)
    discount = Decimal(rule.provider_discount_percent) / HUNDRED
    passed = Decimal(rule.pass_through_percent) / HUNDRED
    markup = Decimal(rule.markup_percent) / HUNDRED
    price = cost / (1 - discount) * (1 - discount * passed) if discount else cost
    return kopecks(price * (1 + markup))


def bill_compute(*, rules: Sequence, lines: Iterable[CostLine], organization_id: int, currency: str) -> Bill:
    """The bill of one client and month from its cost lines and the partner's rules (pure: no database)."""
    bill = Bill(currency=currency)
    used: dict[int, object] = {}
    for line in sorted(lines, key=lambda item: (item.provider, item.service)):
        rule = rule_for(rules, organization_id=organization_id, provider=line.provider, service=line.service)
        if rule is not None:
            used[rule.pk] = rule
        bill.lines.append(BillLine(kind=LineKind.USAGE, provider=line.provider, service=line.service,
                                   cost=kopecks(line.cost), amount=line_amount(line.cost, rule),
                                   rule_id=rule.pk if rule is not None else None))
    if bill.empty:
        return bill
    general = general_rule(rules, organization_id=organization_id)
    if general is not None:
        used.setdefault(general.pk, general)
    for rule in sorted(used.values(), key=lambda r: (r.provider, r.service, r.pk)):
        if rule.fixed_monthly_fee:
            bill.lines.append(BillLine(kind=LineKind.FEE, provider=rule.provider, service=rule.service,
                                       cost=Decimal("0.00"), amount=kopecks(Decimal(rule.fixed_monthly_fee)),
                                       rule_id=rule.pk))
    minimum = max((Decimal(r.minimum_charge) for r in used.values()), default=Decimal(0))
    if minimum and bill.subtotal < minimum:
        bill.lines.append(BillLine(kind=LineKind.MINIMUM, provider="", service="", cost=Decimal("0.00"),
                                   amount=kopecks(minimum - bill.subtotal)))
    return bill


def bill_for_month(*, organization, month: date) -> Bill:
    """The bill of ``organization`` (a partner's client) for ``month`` from the console's month costs."""
    from .models import BillingRule, ClientMonthCost

    month = month.replace(day=1)
    rules = list(BillingRule.objects.filter(partner_id=organization.partner_id))
    rows = ClientMonthCost.objects.filter(organization=organization, month=month)
    lines = [CostLine(provider=r.provider, service=r.service, cost=r.cost) for r in rows]
    return bill_compute(rules=rules, lines=lines, organization_id=organization.pk, currency=organization.currency)
