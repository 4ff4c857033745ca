"""Billing rules of a partner (MSP): create, change, delete with validation, and the margins they give.

Who may act: members of the partner (``PartnerMembership``) see; ``partner.manage`` changes. A rule for a client
names one of the partner's clients; the same scope (client, provider, service) is refused twice. A rule that would
make a bill negative is refused. Changes are written to the client's audit log (a partner-wide rule, to the log
at INFO: it belongs to no organization)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.audit.services import audit_event_record
from apps.common.errors import ApplicationError, ErrorCode
from apps.tenants.models import Organization, Partner

from .billing import CostLine, bill_compute
from .models import BillingRule, ClientMonthCost

logger = logging.getLogger(__name__)

RULE_FIELDS = ("organization", "provider", "service", "markup_percent", "provider_discount_percent",
               "pass_through_percent", "fixed_monthly_fee", "minimum_charge", "note")
PERCENTS = ("markup_percent", "provider_discount_percent", "pass_through_percent")
MONEY_FIELDS = ("fixed_monthly_fee", "minimum_charge")


def partner_client_get(*, partner: Partner, slug: str) -> Organization:
    """One of the partner's clients by slug; anything else is «not a client» (400)."""
    organization = Organization.objects.filter(partner=partner, slug=slug or "").exclude(schema_name="public").first()
    if organization is None:
        raise ApplicationError(_("Choose one of your clients."), ErrorCode.INVALID, {"field": "organization"})
    return organization


# --- validation ---------------------------------------------------------------------------------------------------

def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value if value not in (None, "") else 0))
    except ArithmeticError as exc:
        raise ApplicationError(_("Enter a number."), ErrorCode.INVALID, {"field": field}) from exc
    if not number.is_finite():
        raise ApplicationError(_("Enter a number."), ErrorCode.INVALID, {"field": field})
    return number


def rule_validate(values: dict) -> dict:
    """Clean ``values`` (numbers as Decimal, names stripped) or raise a translated 400."""
    cleaned = dict(values)
    for field in (*PERCENTS, *MONEY_FIELDS):
        cleaned[field] = _decimal(values.get(field), field)
    for field in ("provider", "service", "note"):
        cleaned[field] = str(values.get(field) or "").strip()
    if len(cleaned["provider"]) > 100 or len(cleaned["service"]) > 200 or len(cleaned["note"]) > 300:
        raise ApplicationError(_("The text is too long."), ErrorCode.INVALID, {"field": "provider"})
    if cleaned["service"] and not cleaned["provider"]:
        raise ApplicationError(_("Name the provider of the service."), ErrorCode.INVALID, {"field": "provider"})
    if cleaned["markup_percent"] < -100:
        raise ApplicationError(
            _("A markup below −100 % would make the bill negative: enter −100 % or more."),
            ErrorCode.INVALID, {"field": "markup_percent"})
    if cleaned["markup_percent"] > Decimal("10000"):
        raise ApplicationError(_("The markup cannot exceed 10 000 %."), ErrorCode.INVALID,
                               {"field": "markup_percent"})
    if not Decimal(0) <= cleaned["provider_discount_percent"] < 100:
        raise ApplicationError(_("The provider's discount is from 0 % to less than 100 %."), ErrorCode.INVALID,
                               {"field": "provider_discount_percent"})
    if not Decimal(0) <= cleaned["pass_through_percent"] <= 100:
        raise ApplicationError(_("The share passed to the client is from 0 % to 100 %."), ErrorCode.INVALID,
                               {"field": "pass_through_percent"})
    for field in MONEY_FIELDS:
        if cleaned[field] < 0:
            raise ApplicationError(
                _("A negative fee or minimum would make the bill negative: enter 0 or more."),
                ErrorCode.INVALID, {"field": field})
        if cleaned[field] >= Decimal("1e17"):
            raise ApplicationError(_("The amount is too large."), ErrorCode.INVALID, {"field": field})
    for field in PERCENTS:
        cleaned[field] = cleaned[field].quantize(Decimal("0.01"))
    for field in MONEY_FIELDS:
        cleaned[field] = cleaned[field].quantize(Decimal("0.01"))
    return cleaned


def _refuse_negative_bills(*, partner: Partner, rule: BillingRule) -> None:
    """Price the client's recent months (or every client's, for a partner-wide rule) with the rule in place: a
    negative bill (a month of credits priced up, say) is refused."""
    rules = [r for r in BillingRule.objects.filter(partner=partner) if r.pk != rule.pk] + [rule]
    rows = ClientMonthCost.objects.filter(partner=partner)
    if rule.organization_id:
        rows = rows.filter(organization_id=rule.organization_id)
    months: dict[tuple[int, date], list[CostLine]] = {}
    for row in rows.order_by("-month")[:5000]:
        months.setdefault((row.organization_id, row.month), []).append(
            CostLine(provider=row.provider, service=row.service, cost=row.cost))
    for (organization_id, _month), lines in months.items():
        bill = bill_compute(rules=rules, lines=lines, organization_id=organization_id, currency="RUB")
        if bill.subtotal < 0:
            raise ApplicationError(_("This rule would make a bill negative: it is not saved."), ErrorCode.INVALID,
                                   {"field": "markup_percent"})


def _audit(*, action: str, rule: BillingRule, actor, data: dict) -> None:
    if rule.organization_id:
        audit_event_record(schema_name=rule.organization.schema_name, action=action, actor=actor,
                           target=f"billing_rule:{rule.pk}", data=data)
    logger.info("%s rule=%s partner=%s organization=%s by user=%s", action, rule.pk, rule.partner_id,
                rule.organization_id, getattr(actor, "pk", None))


def _snapshot(rule: BillingRule) -> dict:
    return {"organization": rule.organization.slug if rule.organization_id else None, "provider": rule.provider,
            "service": rule.service, **{f: str(getattr(rule, f)) for f in (*PERCENTS, *MONEY_FIELDS)}}


def _save(*, partner: Partner, rule: BillingRule, values: dict) -> BillingRule:
    organization = values.get("organization")
    if isinstance(organization, str):
        organization = partner_client_get(partner=partner, slug=organization) if organization else None
    if organization is not None and organization.partner_id != partner.pk:
        raise ApplicationError(_("Choose one of your clients."), ErrorCode.INVALID, {"field": "organization"})
    cleaned = rule_validate(values)
    rule.partner = partner
    rule.organization = organization
    for field in RULE_FIELDS[1:]:
        setattr(rule, field, cleaned[field])
    duplicate = BillingRule.objects.filter(partner=partner, organization=organization, provider=rule.provider,
                                           service=rule.service).exclude(pk=rule.pk).exists()
    if duplicate:
        raise ApplicationError(_("A rule for this client, provider and service already exists."),
                               ErrorCode.INVALID, {"field": "service"})
    _refuse_negative_bills(partner=partner, rule=rule)
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as exc:
        raise ApplicationError(_("A rule for this client, provider and service already exists."),
                               ErrorCode.INVALID, {"field": "service"}) from exc
    return rule


def billing_rule_create(*, partner: Partner, actor, **values) -> BillingRule:
    rule = _save(partner=partner, rule=BillingRule(), values=values)
    _audit(action="billing_rule.created", rule=rule, actor=actor, data=_snapshot(rule))
    return rule


def billing_rule_update(*, rule: BillingRule, actor, **values) -> BillingRule:
    before = _snapshot(rule)
    merged = {f: getattr(rule, f) for f in RULE_FIELDS}
    merged.update(values)
    rule = _save(partner=rule.partner, rule=rule, values=merged)
    after = _snapshot(rule)
    _audit(action="billing_rule.updated", rule=rule, actor=actor,
           data={k: [before[k], after[k]] for k in after if before[k] != after[k]})
    return rule


def billing_rule_delete(*, rule: BillingRule, actor) -> None:
    _audit(action="billing_rule.deleted", rule=rule, actor=actor, data=_snapshot(rule))
    rule.delete()


# --- margins ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MonthMargin:
    organization: Organization
    month: date
    currency: str
    cost: Decimal
    billed: Decimal
    margin: Decimal
    margin_percent: Decimal | None


def margin_table(*, partner: Partner, organization: Organization | None = None, months: int = 12) -> list[MonthMargin]:
    """Cost, billed amount (without VAT) and margin per client and month, the last ``months`` months that have
    costs, newest first; from the public tables only (the console's month costs and the rules)."""
    rules = list(BillingRule.objects.filter(partner=partner))
    rows = ClientMonthCost.objects.filter(partner=partner).select_related("organization")
    if organization is not None:
        rows = rows.filter(organization=organization)
    month_list = sorted(set(rows.values_list("month", flat=True)), reverse=True)[:months]
    grouped: dict[tuple[int, date], list] = {}
    clients: dict[int, Organization] = {}
    for row in rows.filter(month__in=month_list):
        grouped.setdefault((row.organization_id, row.month), []).append(
            CostLine(provider=row.provider, service=row.service, cost=row.cost))
        clients[row.organization_id] = row.organization
    result = []
    for (organization_id, month), lines in grouped.items():
        client = clients[organization_id]
        bill = bill_compute(rules=rules, lines=lines, organization_id=organization_id, currency=client.currency)
        result.append(MonthMargin(organization=client, month=month, currency=client.currency, cost=bill.cost,
                                  billed=bill.subtotal, margin=bill.margin, margin_percent=bill.margin_percent))
    result.sort(key=lambda m: (-m.month.toordinal(), m.organization.name))
    return result


def cost_choices(*, partner: Partner) -> tuple[list[str], list[str]]:
    """Providers and services seen in the partner's clients' month costs (for the rule form's suggestions)."""
    rows = ClientMonthCost.objects.filter(partner=partner)
    providers = sorted(set(rows.values_list("provider", flat=True)))
    services = sorted(set(rows.values_list("service", flat=True)))
    return providers, services
