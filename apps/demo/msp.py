"""The demo MSP's money and the demo's reports, through the real services: requisites, billing rules (10 % markup on
Yandex Cloud, a fixed monthly fee on Beget), the console figures refreshed in every client's schema, a draft
statement per client for the last full month, saved reports and a monthly CFO brief on schedule in ``demo``."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.models import User
from apps.common.errors import ApplicationError
from apps.partners.models import BillingRule, Statement
from apps.partners.services_billing import billing_rule_create
from apps.partners.services_statements import statement_draft
from apps.partners.tasks import partner_clients_refresh_now
from apps.reports.models import Report, ReportSchedule
from apps.reports.schedules import schedule_create
from apps.reports.services import report_create
from apps.reports.vocabulary import ChartType, ExportKind, Frequency, Output
from apps.tenants.models import Organization, Partner
from apps.tenants.services import requisites_update

logger = logging.getLogger(__name__)

# Valid-checksum ИНН/КПП made up for the demo (no real company's).
PARTNER_REQUISITES = {"legal_name": "ООО «Демо MSP»", "inn": "7709123453", "kpp": "770901001",
                      "legal_address": "109012, г. Москва, ул. Ильинка, д. 4, офис 12"}
CLIENT_REQUISITES = {
    "demo": {"legal_name": "АО «Демо-компания»", "inn": "5003012349", "kpp": "500301001",
             "legal_address": "142704, Московская обл., г. Видное, ул. Школьная, д. 10"},
    "demo-client": {"legal_name": "ООО «Второй клиент»", "inn": "7801122331", "kpp": "780101001",
                    "legal_address": "190000, г. Санкт-Петербург, наб. реки Мойки, д. 42"},
    "demo-client-3": {"legal_name": "ООО «Северный ветер»", "inn": "5406123450", "kpp": "540601001",
                      "legal_address": "630099, г. Новосибирск, Красный проспект, д. 25"},
}
# Partner-wide: 10 % on Yandex Cloud; Beget resold at cost with a fixed monthly fee for administration.
BILLING_RULES = [
    {"provider": "Yandex Cloud", "markup_percent": Decimal("10"), "note": "Наценка на ресурсы Yandex Cloud"},
    {"provider": "Beget", "fixed_monthly_fee": Decimal("1500.00"), "note": "Администрирование хостинга"},
    {"provider": "Selectel", "markup_percent": Decimal("8"), "provider_discount_percent": Decimal("5"),
     "pass_through_percent": Decimal("50"), "note": "Скидка Selectel: половина клиенту"},
]
REPORTS = [
    {"name": "Расходы по сервисам за 30 дней", "chart": ChartType.STACKED,
     "query": {"period": "30d", "group_by": "service", "granularity": "day"},
     "description": "Ежедневные расходы по сервисам всех облаков"},
    {"name": "Расходы по бизнес-направлениям", "chart": ChartType.BAR,
     "query": {"period": "last_month", "group_by": "alloc:business_unit", "granularity": "month"},
     "description": "Прошлый месяц по бизнес-направлениям (правила распределения)"},
]


def last_full_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


HISTORY_SOURCE = "demo:client-history:"


def _utc_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def demo_client_history(*, organization: Organization, today: date) -> int:
    """The days before a client's first sync, from the first of the last full month: its clouds charged it then what
    they charge it now. Each such day without synced costs repeats the ledger of the client's latest synced day
    (same services and amounts), written as the demo's own source so a second seed replaces it; returns the rows
    written (0 when the client has no synced costs or already has costs in the last full month)."""
    from apps.costs.models import CostRecord
    from apps.costs.services.ledger import cost_records_replace

    month = last_full_month(today)
    month_end = today.replace(day=1) - timedelta(days=1)
    with tenant_context(organization):
        synced = CostRecord.objects.exclude(source_key__startswith=HISTORY_SOURCE)
        latest = synced.order_by("-charge_date").values_list("charge_date", flat=True).first()
        if latest is None or synced.filter(charge_date__range=(month, month_end)).exists():
            return 0
        pattern = list(synced.filter(charge_date=latest))
        fields = [f.attname for f in CostRecord._meta.concrete_fields if not f.primary_key]
        have = set(synced.filter(charge_date__range=(month, latest)).values_list("charge_date", flat=True))
        days = [month + timedelta(days=n) for n in range((latest - month).days)]
        days = [day for day in days if day not in have]

        def records():
            for day in days:
                first = day.replace(day=1)
                following = (first + timedelta(days=32)).replace(day=1)
                for index, source in enumerate(pattern):
                    record = CostRecord(**{name: getattr(source, name) for name in fields})
                    record.charge_date = day
                    record.charge_period_start = _utc_midnight(day)
                    record.charge_period_end = _utc_midnight(day + timedelta(days=1))
                    record.billing_period_start = _utc_midnight(first)
                    record.billing_period_end = _utc_midnight(following)
                    record.billing_import_id = None
                    record.source_key = f"{HISTORY_SOURCE}{day:%Y%m%d}:{index}"
                    yield record

        return cost_records_replace(source_prefix=HISTORY_SOURCE, records=records())


def demo_msp_seed(*, partner: Partner, clients: list[Organization], operator: User) -> list[Statement]:
    """Requisites, billing rules, last month's costs for the clients that have only been synced today, the
    console's figures and a draft statement per client for the last full month."""
    for organization in clients:
        demo_client_history(organization=organization, today=timezone.localdate())
    requisites_update(holder=partner, actor=operator, **PARTNER_REQUISITES)
    for organization in clients:
        values = CLIENT_REQUISITES.get(organization.slug)
        if values:
            requisites_update(holder=organization, actor=operator, **values)
    for values in BILLING_RULES:
        if not BillingRule.objects.filter(partner=partner, organization=None, provider=values["provider"],
                                          service="").exists():
            billing_rule_create(partner=partner, actor=operator, organization=None, service="", **values)
    partner_clients_refresh_now(partner)
    month = last_full_month(timezone.localdate())
    statements = []
    for organization in clients:
        try:
            statement, _created = statement_draft(partner=partner, organization=organization, month=month,
                                                  actor=operator)
        except ApplicationError as exc:
            logger.info("demo statement for %s %s not drafted: %s", organization.slug, month, exc.message)
            continue
        statements.append(statement)
    return statements


def demo_reports_seed(*, organization: Organization, owner: User | None) -> None:
    """Two saved reports and the monthly CFO brief (PDF, the 1st at 09:00) to the organization's channels."""
    with tenant_context(organization):
        for values in REPORTS:
            if not Report.objects.filter(name=values["name"]).exists():
                report_create(actor=owner, **values)
        if not ReportSchedule.objects.filter(kind=ExportKind.BRIEF).exists():
            schedule_create(actor=owner, kind=ExportKind.BRIEF, frequency=Frequency.MONTHLY, day=1, hour=9,
                            output=Output.PDF)
