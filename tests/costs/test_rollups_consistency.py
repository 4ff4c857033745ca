"""The monthly and tag rollups answer exactly what the raw ledger says, and stay consistent on refresh."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils.module_loading import import_string
from django_q.models import OrmQ
from django_tenants.utils import schema_context

from apps.costs.models import CostDaily, CostDailyTag, CostMonthly, CostRecord, TagSet, tag_set_id
from apps.costs.selectors.explorer import cost_query, cost_summary, cost_timeseries
from apps.costs.services.rollups import cost_rollups_refresh, cost_rollups_refresh_all
from apps.currency.models import ExchangeRate, RateSource
from apps.tenants.models import Organization
from apps.tenants.services import organization_update_profile
from tests.costs.explorer_data import ledger, row

pytestmark = pytest.mark.django_db

USD_RUB = Decimal("90.5")
FIRST, LAST = date(2024, 12, 20), date(2026, 1, 10)
SERVICES = ("Compute Cloud", "Object Storage", "Managed PostgreSQL", "")


@pytest.fixture
def year(w):
    """Thirteen months of charges: four services, two currencies, tagged, untagged and oddly tagged rows."""
    ExchangeRate.objects.create(date=FIRST - timedelta(days=1), currency="USD", rate_rub=USD_RUB,
                                source=RateSource.CBR)
    rows, day, i = [], FIRST, 0
    while day <= LAST:
        for n in range(3):
            i += 1
            tags = [{"env": "prod", "team": "a"}, {"env": "dev"}, {}, {"env": 5}, {"env": None, "team": "b"},
                    {"team": "a"}][i % 6]
            rows.append(row(day, f"{(i * 37) % 1000}.{i % 97:02d}{n}", effective=f"{(i * 13) % 500}.5",
                            service=SERVICES[i % 4], region=("ru-central1-a", "ru-central1-b")[i % 2],
                            currency="USD" if i % 7 == 0 else "RUB", resource=f"vm-{i % 5}", tags=tags,
                            category="Purchase" if i % 41 == 0 else "Usage",
                            commitment="cud-1" if i % 41 == 0 else ""))
        day += timedelta(days=1)
    with schema_context(w.alpha.schema_name):
        ledger(rows)
        cost_rollups_refresh(start=FIRST, end=LAST, fetch_missing_rates=False)
        yield rows


def _rub(r: CostRecord, metric: str = "billed") -> Decimal:
    if metric == "billed":
        amount = r.billed_cost
    else:
        amount = Decimal(0) if r.charge_category == "Purchase" and r.commitment_discount_id else r.effective_cost
    return amount * (USD_RUB if r.billing_currency == "USD" else 1)


def _has_tag(r: CostRecord, key: str, value: str | None) -> bool:
    if value is None:
        return key in r.tags
    return r.tags.get(key, object()) == value  # tags @> {key: value}: a JSON string equal to value


def _expected(rows, start, end, *, by=lambda r: r.service_name, metric="billed", when=lambda r: True):
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        if start <= r.charge_date <= end and when(r):
            sums[by(r)] += _rub(r, metric)
    return dict(sums)


def _groups(summary) -> dict[str, Decimal]:
    assert all(g["currency"] == "RUB" for g in summary["groups"])
    return {g["key"]: g["total"] for g in summary["groups"]}


def test_a_365_day_summary_equals_an_independent_sum_over_the_ledger(year):
    start, end = date(2025, 1, 11), date(2026, 1, 10)  # partial months at both edges
    for metric in ("billed", "effective"):
        summary = cost_summary(start=start, end=end, group_by="service", metric=metric)
        expected = _expected(year, start, end, metric=metric)
        assert _groups(summary) == expected
        assert summary["total"] == sum(expected.values())


def test_a_summary_of_whole_months_reads_the_monthly_rollup_and_matches_the_ledger(year):
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    assert CostMonthly.objects.filter(month__range=(start, end)).values("month").distinct().count() == 12
    CostDaily.objects.filter(charge_date__range=(start, end)).delete()  # whatever answers now is monthly
    summary = cost_summary(start=start, end=end, group_by="region")
    assert _groups(summary) == _expected(year, start, end, by=lambda r: r.region_id)


def test_a_summary_with_a_tag_filter_equals_an_independent_sum_over_the_ledger(year):
    start, end = date(2025, 3, 15), date(2025, 6, 2)
    for key, value in (("env", "prod"), ("env", "dev"), ("team", "a"), ("env", None), ("env", "5")):
        summary = cost_summary(start=start, end=end, group_by="service", tags=[(key, value)])
        expected = _expected(year, start, end, when=lambda r, k=key, v=value: _has_tag(r, k, v))
        assert _groups(summary) == expected, (key, value)
    # The number 5 is not the string "5", as in the ledger's tags @> {"env": "5"}.
    assert cost_summary(start=start, end=end, tags=[("env", "5")])["groups"] == []


def test_tag_filters_and_tag_grouping_never_read_the_raw_ledger(year):
    start, end = date(2025, 10, 1), date(2025, 10, 31)
    CostRecord.objects.all().delete()  # the rollups are not refreshed: only they can answer
    summary = cost_summary(start=start, end=end, tags=[("env", "prod")])
    assert _groups(summary) == _expected(year, start, end, when=lambda r: _has_tag(r, "env", "prod"))
    grouped = cost_summary(start=start, end=end, group_by="tag:team")
    assert _groups(grouped) == _expected(year, start, end, by=lambda r: r.tags.get("team") or "")


def test_tag_filters_narrow_together_with_dimension_filters(year):
    start, end = date(2025, 2, 1), date(2025, 2, 28)
    summary = cost_summary(start=start, end=end, group_by="resource", filters={"region": ["ru-central1-a"]},
                           tags=[("team", "a")])
    assert _groups(summary) == _expected(
        year, start, end, by=lambda r: r.resource_id,
        when=lambda r: r.region_id == "ru-central1-a" and _has_tag(r, "team", "a"))


def test_grouping_by_a_tag_puts_rows_without_the_key_under_an_empty_key(year):
    start, end = date(2025, 4, 10), date(2025, 9, 20)

    def env(r: CostRecord) -> str:
        value = r.tags.get("env")
        return "" if value is None else str(value)

    summary = cost_summary(start=start, end=end, group_by="tag:env", metric="effective")
    assert _groups(summary) == _expected(year, start, end, by=env, metric="effective")
    filtered = cost_summary(start=start, end=end, group_by="tag:env", tags=[("env", "prod")])
    assert _groups(filtered) == _expected(year, start, end, by=env, when=lambda r: _has_tag(r, "env", "prod"))


def test_billing_currency_mode_of_a_tag_grouping_keeps_currencies_apart(year):
    start, end = date(2025, 5, 1), date(2025, 5, 31)
    summary = cost_summary(start=start, end=end, group_by="tag:team", currency="billing")
    expected: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in year:
        if start <= r.charge_date <= end:
            expected[(r.tags.get("team") or "", r.billing_currency)] += r.billed_cost
    assert {(g["key"], g["currency"]): g["total"] for g in summary["groups"]} == expected


def test_several_tag_filters_still_require_every_tag_on_the_same_row(year):
    start, end = date(2025, 1, 1), date(2025, 3, 31)
    summary = cost_summary(start=start, end=end, tags=[("env", "prod"), ("team", "a")])
    assert _groups(summary) == _expected(year, start, end,
                                         when=lambda r: _has_tag(r, "env", "prod") and _has_tag(r, "team", "a"))


def test_month_buckets_over_partial_months_equal_the_ledger_per_month(year):
    start, end = date(2025, 2, 14), date(2025, 7, 3)
    q = cost_query(start=start, end=end, group_by="service")
    view = cost_timeseries(q=q, granularity="month", compare=True)
    for group in view["groups"]:
        per_month = _expected(year, start, end, by=lambda r: r.charge_date.replace(day=1),
                              when=lambda r, k=group["key"]: r.service_name == k)
        assert dict(zip(view["periods"], group["values"], strict=True)) == {
            p: per_month.get(p, Decimal(0)) for p in view["periods"]}
    previous = q.previous()
    assert view["previous"]["total"] == sum(_expected(year, previous.start, previous.end).values())


def test_day_and_week_buckets_of_a_tag_grouping_add_up_to_the_summary(year):
    start, end = date(2025, 8, 3), date(2025, 8, 30)
    summary = cost_summary(start=start, end=end, group_by="tag:team")
    for granularity in ("day", "week"):
        view = cost_timeseries(q=cost_query(start=start, end=end, group_by="tag:team"), granularity=granularity,
                               compare=False)
        assert {g["key"]: sum(g["values"], Decimal(0)) for g in view["groups"]} == _groups(summary)


def _monthly_matches_daily() -> None:
    """Every month of CostMonthly is the sum of its days in CostDaily."""
    by_day: dict[tuple, Decimal] = defaultdict(Decimal)
    for d in CostDaily.objects.values("charge_date", "service_name", "billing_currency", "billed_cost"):
        by_day[(d["charge_date"].replace(day=1), d["service_name"], d["billing_currency"])] += d["billed_cost"]
    by_month: dict[tuple, Decimal] = defaultdict(Decimal)
    for m in CostMonthly.objects.values("month", "service_name", "billing_currency", "billed_cost"):
        by_month[(m["month"], m["service_name"], m["billing_currency"])] += m["billed_cost"]
    assert by_month == by_day


def test_refreshing_a_few_days_keeps_months_and_tags_consistent_with_the_ledger(year):
    CostRecord.objects.filter(charge_date=date(2025, 6, 15)).update(billed_cost=Decimal("1000"))
    CostRecord.objects.filter(charge_date=date(2025, 6, 16)).delete()
    # Rows re-tagged in SQL point at their set, which is stored first (as every writer of the ledger does).
    TagSet.objects.ensure([{"env": "prod"}])
    CostRecord.objects.filter(charge_date=date(2025, 7, 1)).update(tag_set_id=tag_set_id({"env": "prod"}))
    cost_rollups_refresh(start=date(2025, 6, 15), end=date(2025, 7, 1), fetch_missing_rates=False)
    rows = list(CostRecord.objects.all())
    _monthly_matches_daily()
    start, end = date(2025, 6, 1), date(2025, 7, 31)
    assert _groups(cost_summary(start=start, end=end)) == _expected(rows, start, end)
    assert _groups(cost_summary(start=start, end=end, tags=[("env", "prod")])) == _expected(
        rows, start, end, when=lambda r: _has_tag(r, "env", "prod"))
    assert not CostDailyTag.objects.filter(charge_date=date(2025, 6, 16)).exists()
    assert _groups(cost_summary(start=start, end=end, tags=[("env", "prod"), ("team", "a")])) == _expected(
        rows, start, end, when=lambda r: _has_tag(r, "env", "prod") and _has_tag(r, "team", "a"))


def test_refresh_all_drops_rollup_rows_of_days_that_left_the_ledger(year):
    CostRecord.objects.filter(charge_date__lt=date(2025, 3, 1)).delete()
    cost_rollups_refresh_all(fetch_missing_rates=False)
    assert not CostDaily.objects.filter(charge_date__lt=date(2025, 3, 1)).exists()
    assert not CostDailyTag.objects.filter(charge_date__lt=date(2025, 3, 1)).exists()
    assert not CostMonthly.objects.filter(month__lt=date(2025, 3, 1)).exists()
    _monthly_matches_daily()
    CostRecord.objects.all().delete()
    assert cost_rollups_refresh_all(fetch_missing_rates=False) == 0
    assert not (CostDaily.objects.exists() or CostDailyTag.objects.exists() or CostMonthly.objects.exists())


def test_a_missing_rate_inside_a_whole_month_names_the_day_not_the_month(w):
    with schema_context(w.alpha.schema_name):
        ledger([row(date(2025, 5, 1), "1"), row(date(2025, 5, 17), "2", currency="CNY", tags={"env": "prod"})])
        cost_rollups_refresh(start=date(2025, 5, 1), end=date(2025, 5, 31), fetch_missing_rates=False)
        for tags, total in ((None, Decimal("1")), ([("env", "prod")], Decimal(0))):
            summary = cost_summary(start=date(2025, 5, 1), end=date(2025, 5, 31), tags=tags)
            assert [(x["currency"], x["dates"]) for x in summary["warnings"]] == [("CNY", [date(2025, 5, 17)])]
            assert summary["total"] == total and {"currency": "CNY", "total": Decimal("2")} in summary["totals"]
        summary = cost_summary(start=date(2025, 5, 1), end=date(2025, 5, 31), group_by="tag:env")
        assert [(x["currency"], x["date"]) for x in summary["warnings"]] == [("CNY", date(2025, 5, 17))]
        assert {(g["key"], g["currency"], g["total"]) for g in summary["groups"]} == {
            ("", "RUB", Decimal("1")), ("prod", "CNY", Decimal("2"))}


def test_a_long_tag_value_is_matched_exactly(w):
    long_value = "x" * 3000
    with schema_context(w.alpha.schema_name):
        ledger([row(date(2025, 5, 1), "1", tags={"note": long_value}),
                row(date(2025, 5, 1), "2", tags={"note": long_value[:-1] + "y"})])
        cost_rollups_refresh(start=date(2025, 5, 1), end=date(2025, 5, 1), fetch_missing_rates=False)
        summary = cost_summary(start=date(2025, 5, 1), end=date(2025, 5, 1), tags=[("note", long_value)])
        assert summary["total"] == Decimal("1")


def test_changing_the_organization_currency_queues_a_rebuild_of_its_rollups(w, django_capture_on_commit_callbacks):
    ExchangeRate.objects.create(date=date(2025, 4, 30), currency="USD", rate_rub=Decimal("80"),
                                source=RateSource.CBR)
    with schema_context(w.alpha.schema_name):
        ledger([row(date(2025, 5, 1), "160", tags={"env": "prod"}), row(date(2025, 5, 2), "8", currency="USD")])
        cost_rollups_refresh(start=date(2025, 5, 1), end=date(2025, 5, 2), fetch_missing_rates=False)
    alpha = Organization.objects.get(pk=w.alpha.pk)
    before = OrmQ.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        organization_update_profile(organization=alpha, name=alpha.name, currency="USD", timezone=alpha.timezone,
                                    actor=w.alice)
    assert OrmQ.objects.count() == before + 1
    task = OrmQ.objects.order_by("-id").first().task
    assert task["args"][:2] == (w.alpha.schema_name, "apps.costs.tasks.cost_rollups_refresh_all_task")
    import_string(task["func"])(*task["args"], **task["kwargs"])  # what the worker does
    with schema_context(w.alpha.schema_name):
        summary = cost_summary(start=date(2025, 5, 1), end=date(2025, 5, 31))
        assert (summary["currency"], summary["total"]) == ("USD", Decimal("10"))
        tagged = cost_summary(start=date(2025, 5, 1), end=date(2025, 5, 2), tags=[("env", "prod")])
        assert tagged["total"] == Decimal("2")
    with django_capture_on_commit_callbacks(execute=True):
        organization_update_profile(organization=alpha, name="Alpha renamed", currency="USD",
                                    timezone=alpha.timezone, actor=w.alice)
    assert OrmQ.objects.count() == before + 1  # a change of name alone rebuilds nothing
