"""The demo MSP's money and the demo's reports, through the real services: requisites, billing rules (10 % markup on
Yandex Cloud, a fixed monthly fee on Beget), the console figures refreshed in every client's schema, a draft
statement per client for the last full month, saved reports and a monthly CFO brief on schedule in ``demo``."""

from __future__ import annotations

import logging
from datetime import date, timedelta
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


def demo_msp_seed(*, partner: Partner, clients: list[Organization], operator: User) -> list[Statement]:
    """Requisites, billing rules, the console's figures and a draft statement per client for the last full month
    (a client without costs that month gets none: the service refuses an empty statement)."""
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
