"""Plans and balance: a Beget plan far larger than what the account uses, a prepaid balance about to run out."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from apps.inventory.vocabulary import ResourceKind

from ..data.beget_plans import BEGET_PLANS, SOURCE
from ..vocabulary import Action, Category, Confidence, Risk
from .base import FindingDraft, Param, Rule, money, number

HUNDRED = Decimal(100)


def _decimal(value: Any) -> Decimal | None:
    if value in (None, "", True, False):
        return None
    try:
        number_ = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number_ if number_.is_finite() else None


def limit_words() -> dict[str, str]:
    return {"sites": pgettext("beget limit", "sites"), "domains": pgettext("beget limit", "domains"),
            "mysql": pgettext("beget limit", "MySQL databases"), "quota": pgettext("beget limit", "disk, MB"),
            "ftp": pgettext("beget limit", "FTP accounts"), "mail": pgettext("beget limit", "mailboxes")}


class BegetPlanUnderuseRule(Rule):
    key = "beget_plan_underuse"
    version = 1
    category = Category.PLAN
    title = gettext_lazy("Beget plan larger than needed")
    description = gettext_lazy("The hosting plan's limits (sites, disk, databases, mailboxes) are mostly unused "
                               "and a cheaper Beget plan covers what is used.")
    kinds = (ResourceKind.HOSTING_PLAN,)
    providers = ("beget",)
    params = (Param("usage_percent", gettext_lazy("Every limit used below"), Decimal(50), Decimal(1), Decimal(100),
                    unit="%"),)

    def evaluate(self, context, params):
        for resource in self.resources(context):
            account = context.accounts.get(resource.connection_id, {})
            limits = account.get("limits") or resource.specs.get("limits") or {}
            used: dict[str, Decimal] = {}
            shares: dict[str, Decimal] = {}
            for name, entry in limits.items():
                if not isinstance(entry, dict):
                    continue
                amount, limit = _decimal(entry.get("used")), _decimal(entry.get("limit"))
                if amount is None:
                    continue
                used[name] = amount
                if limit is not None and limit > 0:
                    shares[name] = amount / limit * HUNDRED
            if not shares or any(share >= params["usage_percent"] for share in shares.values()):
                continue
            current = _decimal(account.get("monthly_rate")) or context.monthly_cost(resource)[0]
            if current is None:
                continue
            plan_name = account.get("plan_name") or resource.name
            cheaper = [plan for plan in BEGET_PLANS if plan["monthly"] < current and plan["name"] != plan_name
                       and all(plan["limits"].get(name) is None or plan["limits"][name] >= amount
                               for name, amount in used.items() if name in plan["limits"])]
            if not cheaper:
                continue
            target = min(cheaper, key=lambda plan: plan["monthly"])
            savings = current - target["monthly"]
            words = limit_words()
            usage = "; ".join(_("%(what)s %(used)s of %(limit)s (%(share)s %%)") % {
                "what": words.get(name, name), "used": number(used[name]),
                "limit": number(_decimal(limits[name]["limit"])), "share": number(shares[name], 0)}
                for name in shares)
            yield FindingDraft(
                resource=resource, action=Action.CHANGE_PLAN,
                title=_("Move Beget plan «%(plan)s» to «%(target)s»") % {"plan": plan_name, "target": target["name"]},
                action_text=_("Change the hosting plan to «%(target)s» in the Beget control panel.") % {
                    "target": target["name"]},
                formula=_("Used: %(usage)s; «%(plan)s» %(current)s a month − «%(target)s» %(price)s a month = "
                          "%(total)s") % {
                    "usage": usage, "plan": plan_name, "current": money(current, context.currency),
                    "target": target["name"], "price": money(target["monthly"], context.currency),
                    "total": money(savings, context.currency)},
                savings=savings, confidence=Confidence.MEDIUM,
                confidence_reason=_("Usage from Beget's account information; the plan prices are Beget's list "
                                    "prices and should be checked before changing."),
                evidence={"plan": plan_name, "target_plan": target["name"], "current_monthly": current,
                          "target_monthly": target["monthly"], "usage_percent": shares, "used": used,
                          "connection_id": resource.connection_id, "source": SOURCE})


class BalanceRunwayRule(Rule):
    key = "balance_runway"
    version = 1
    category = Category.PLAN
    title = gettext_lazy("Prepaid balance running out")
    description = gettext_lazy("The connection's prepaid balance covers fewer days of spending than the "
                               "threshold: top it up before the provider blocks the services.")
    params = (Param("days", gettext_lazy("Warn when the balance lasts fewer than"), Decimal(14), Decimal(1),
                    Decimal(90), unit="d", integer=True),)

    def evaluate(self, context, params):
        today = timezone.localdate(context.now)
        spend_by_connection: dict[int, Decimal] = {}
        for resource in context.resources:
            if resource.spend:
                spend_by_connection[resource.connection_id] = (
                    spend_by_connection.get(resource.connection_id, Decimal(0)) + resource.spend)
        for connection_id, account in context.accounts.items():
            balance = _decimal(account.get("balance"))
            if balance is None:
                continue
            currency = str(account.get("currency") or context.currency).upper()
            daily = _decimal(account.get("daily_rate"))
            reported_days = _decimal(account.get("days_to_block"))
            source = _("the provider's daily rate")
            if reported_days is not None:
                runway = reported_days
                if not daily or daily <= 0:
                    daily = balance / runway if runway > 0 else None
                source = _("days to block reported by the provider")
            else:
                if not daily or daily <= 0:
                    spent = spend_by_connection.get(connection_id)
                    if not spent or currency != context.currency.upper() or not context.cost_days:
                        continue
                    daily = spent / context.cost_days
                    source = _("the ledger's spend over the last %(days)s days") % {"days": context.cost_days}
                runway = max(balance, Decimal(0)) / daily
            if runway >= params["days"]:
                continue
            whole_days = max(math.floor(runway), 0)
            runs_out = today + timedelta(days=whole_days)
            risk = Risk.HIGH if runway < 3 else Risk.MEDIUM
            name = account.get("name") or str(connection_id)
            if reported_days is None:
                formula = _("Balance %(balance)s ÷ %(daily)s a day (%(source)s) = %(days)s days; the money runs out "
                            "about %(date)s (Moscow time)") % {
                    "balance": money(balance, currency), "daily": money(daily, currency), "source": source,
                    "days": number(runway), "date": runs_out.strftime("%d.%m.%Y")}
            else:
                formula = _("Balance %(balance)s; %(days)s days left (%(source)s); the money runs out about "
                            "%(date)s (Moscow time)") % {
                    "balance": money(balance, currency), "days": number(runway), "source": source,
                    "date": runs_out.strftime("%d.%m.%Y")}
            yield FindingDraft(
                resource=None, subject=f"runway:{connection_id}", action=Action.TOP_UP, risk=risk,
                title=_("The balance of «%(name)s» lasts %(days)s days") % {"name": name, "days": number(runway)},
                action_text=_("Top up the balance of «%(name)s» (or turn on auto top-up).") % {"name": name},
                formula=formula, confidence=Confidence.HIGH if reported_days is not None else Confidence.MEDIUM,
                confidence_reason=_("The balance as the provider reported it at the last sync; spending may "
                                    "change."),
                evidence={"connection_id": connection_id, "provider": account.get("provider", ""),
                          "balance": balance, "currency": currency, "daily_spend": daily, "runway_days": runway,
                          "runs_out_on": runs_out.isoformat(), "threshold_days": params["days"]})
