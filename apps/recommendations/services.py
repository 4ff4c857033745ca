"""Writes: the evaluation engine, the findings' lifecycle with verification from the ledger, rule settings.

``evaluation_execute`` builds the context once (selectors), runs every enabled rule and the policies, each
isolated (a rule that raises is recorded on the run and the others still run), then reconciles: a draft with the
``(rule, subject)`` of an existing finding updates it (same id), a new one is created, and a live finding its rule
no longer produces is closed (``resource_gone`` when its resource disappeared, else ``resolved``). A snoozed
finding whose date has passed opens again. Applied findings are verified from the ledger once enough days passed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from apps.audit.models import AuditEvent
from apps.audit.services import audit_event_record
from apps.common.bulk import bulk_copy_upsert
from apps.common.cache import organization_data_changed
from apps.common.errors import ApplicationError, ErrorCode
from apps.common.numbers import format_money
from apps.common.tasks import enqueue_in_tenant
from apps.costs.selectors.ledger import ledger_watermark
from apps.costs.selectors.resource_spend import resource_daily_costs
from apps.inventory.models import Resource
from apps.notifications.links import absolute_url
from apps.notifications.services import alerts_enqueue_many

from . import registry
from .context import MONTH_DAYS, Context
from .exceptions import RecommendationErrorCode
from .models import EvaluationRun, Finding, Policy, RuleSetting
from .policies import POLICY_RULE, policy_clean, policy_violations
from .rules.base import CENT, FindingDraft
from .selectors import context_build, evaluation_active, tag_governance_policy
from .vocabulary import LIVE_STATUSES, Category, PolicyKind, RunStatus, RunTrigger, Status

logger = logging.getLogger(__name__)

EVALUATE_TASK = "apps.recommendations.tasks.evaluation_execute_task"
# Verification waits this many whole days after the applied date, and compares this many days before it.
VERIFY_AFTER_DAYS = 7
BASELINE_DAYS = 30
STALE_RUN_AFTER = timedelta(hours=2)


# --- evaluation -------------------------------------------------------------------------------------------------

def evaluation_start(*, trigger: str = RunTrigger.MANUAL, connection=None, actor=None) -> EvaluationRun:
    """Queue an evaluation (the API's 202): refused with 409 while another one is queued or running."""
    active = evaluation_active()
    if active is not None and timezone.now() - active.created_at < STALE_RUN_AFTER:
        raise ApplicationError(_("An evaluation is already running."), RecommendationErrorCode.EVALUATION_RUNNING,
                               extra={"run_id": active.pk}, http_status=409)
    run = EvaluationRun.objects.create(trigger=trigger, connection=connection,
                                       requested_by_id=getattr(actor, "pk", None))
    enqueue_in_tenant(db_connection.schema_name, EVALUATE_TASK, run.pk, task_name=f"recommendations:{run.pk}")
    if actor is not None:
        audit_event_record(schema_name=db_connection.schema_name, action="recommendations.evaluate", actor=actor,
                           target=f"evaluation #{run.pk}")
    return run


def evaluation_still_current(*, connection, sync_run) -> bool:
    """Whether an evaluation after ``sync_run`` would read what the last one read: the sync changed no resource and
    stored no metric point, the ledger has no row newer than that evaluation saw, no rule setting or policy changed
    since, and it ran today (time-dependent findings — ages, snoozes, verification — are the nightly run's). Then the
    post-sync evaluation is skipped: re-evaluating 20 000 unchanged resources would find the same."""
    if (sync_run.resources_created or sync_run.resources_updated or sync_run.resources_deleted
            or sync_run.metric_points):
        return False
    last = (EvaluationRun.objects.filter(status__in=(RunStatus.SUCCESS, RunStatus.PARTIAL),
                                         ledger_watermark__isnull=False, started_at__isnull=False)
            .filter(Q(connection=connection) | Q(connection__isnull=True)).order_by("-started_at").first())
    if last is None or timezone.localdate(last.started_at) != timezone.localdate():
        return False
    changed = [RuleSetting.objects.filter(updated_at__gte=last.started_at).exists(),
               Policy.objects.filter(updated_at__gte=last.started_at).exists()]
    return not any(changed) and ledger_watermark() == last.ledger_watermark


def evaluate_now(*, trigger: str = RunTrigger.COMMAND, connection=None, actor=None,
                 now: datetime | None = None) -> EvaluationRun:
    """Evaluate synchronously (the management command, the post-sync step, the nightly task)."""
    run = EvaluationRun.objects.create(trigger=trigger, connection=connection,
                                       requested_by_id=getattr(actor, "pk", None))
    return evaluation_execute(run=run, now=now)


def _progress(run: EvaluationRun, **fields: Any) -> None:
    """A short autocommitted UPDATE, so the API shows progress while the run works."""
    for name, value in fields.items():
        setattr(run, name, value)
    EvaluationRun.objects.filter(pk=run.pk).update(**fields)


def evaluation_execute(*, run: EvaluationRun, now: datetime | None = None) -> EvaluationRun:
    now = now or timezone.now()
    rules = registry.rules()
    stored = {s.rule: s for s in RuleSetting.objects.all()}
    enabled = [rule for rule in rules if stored.get(rule.key) is None or stored[rule.key].enabled]
    policies = list(Policy.objects.filter(enabled=True))
    _progress(run, status=RunStatus.RUNNING, started_at=timezone.now(), rules_total=len(enabled) + 1, rules_done=0,
              ledger_watermark=ledger_watermark())
    try:
        with translation.override(settings.LANGUAGE_CODE):
            context = context_build(connection_id=run.connection_id, now=now)
            drafts: dict[str, list[FindingDraft]] = {}
            errors: list[dict[str, str]] = []
            for done, rule in enumerate(enabled, start=1):
                params = registry.effective_params(rule, stored[rule.key].params if rule.key in stored else None)
                try:
                    drafts[rule.key] = [d for d in rule.evaluate(context, params) if d.subject]
                except Exception as exc:  # noqa: BLE001 -- one broken rule must not stop the others
                    logger.exception("Rule %s failed", rule.key)
                    errors.append({"rule": rule.key, "code": RecommendationErrorCode.RULE_FAILED.value,
                                   "message": f"{type(exc).__name__}: {str(exc)[:300]}"})
                _progress(run, rules_done=done)
            try:
                drafts[POLICY_RULE] = list(policy_violations(context, policies))
            except Exception as exc:  # noqa: BLE001
                logger.exception("Policies failed")
                errors.append({"rule": POLICY_RULE, "code": RecommendationErrorCode.RULE_FAILED.value,
                               "message": f"{type(exc).__name__}: {str(exc)[:300]}"})
            _attach_series([d for found in drafts.values() for d in found])
            versions = {rule.key: rule.version for rule in rules}
            categories = {rule.key: rule.category for rule in rules}
            categories[POLICY_RULE] = Category.POLICY
            with transaction.atomic():
                counts = _reconcile(drafts, context=context, connection_id=run.connection_id, now=now,
                                    versions=versions, categories=categories,
                                    disabled=[r.key for r in rules if r not in enabled])
                counts["findings_verified"] = len(findings_verify(now=now))
            _notify_new_findings(now=now)
        potential = Finding.objects.filter(status__in=(Status.OPEN, Status.ACCEPTED)).exclude(
            category=Category.POLICY).aggregate(total=Sum("estimated_monthly_savings"))["total"] or Decimal("0.00")
        _progress(run, status=RunStatus.PARTIAL if errors else RunStatus.SUCCESS, errors=errors,
                  resources=len(context.resources), potential_monthly_savings=potential,
                  rules_done=run.rules_total, finished_at=timezone.now(), **counts)
    except Exception as exc:
        logger.exception("Evaluation %s failed", run.pk)
        _progress(run, status=RunStatus.FAILED, finished_at=timezone.now(),
                  errors=[{"rule": "", "code": ErrorCode.SERVER_ERROR.value,
                           "message": f"{type(exc).__name__}: {str(exc)[:300]}"}])
        raise
    finally:
        organization_data_changed()
    return run


def _notify_new_findings(*, now: datetime) -> int:
    """Alert the organization's channels: a «recommendation» alert for each new finding saving at least
    ``NOTIFY_RECOMMENDATION_MIN_RUB`` a month, a «policy» alert for each new violation (dedup ``finding:<id>``, so
    a re-evaluation never alerts twice). A failure here is logged; the evaluation stands."""
    minimum = Decimal(settings.NOTIFY_RECOMMENDATION_MIN_RUB)
    items = []
    try:
        for finding in Finding.objects.filter(first_seen_at=now, status=Status.OPEN).order_by("id"):
            savings = finding.estimated_monthly_savings
            if finding.category == Category.POLICY:
                kind, buttons = "policy", []
                text = "\n".join(filter(None, [finding.title, finding.action_text]))
            elif savings is not None and savings >= minimum:
                kind, buttons = "recommendation", [{"text": _("Snooze"), "action": "snooze"}]
                text = "\n".join(filter(None, [
                    finding.title,
                    _("Saving: %(amount)s a month") % {"amount": format_money(savings, finding.currency)},
                    finding.action_text]))
            else:
                continue
            items.append({
                "kind": kind, "subject_type": "finding", "subject_id": str(finding.pk),
                "dedup_key": f"finding:{finding.pk}",
                "title": _("Policy violation") if kind == "policy" else _("New recommendation"), "text": text,
                "link": reverse("recommendation_detail", args=[finding.pk]), "buttons": buttons})
        if items:
            site = absolute_url("/").rstrip("/")  # the organization's host, looked up once
            for item in items:
                item["link"] = site + item["link"]
        return alerts_enqueue_many(items)
    except Exception:  # noqa: BLE001 -- the findings are saved; alerts are a side effect
        logger.exception("Alerts for new findings failed")
        return 0


def _attach_series(drafts: list[FindingDraft]) -> None:
    """Give each utilization finding the daily peaks of the metrics its rule read (``evidence["metrics"]``: metric,
    start, end), as ``evidence["series"][metric] = [[date, max], ...]`` in Moscow days: the chart on its page.
    One query for all findings."""
    wanted = []
    for draft in drafts:
        if draft.resource is None:
            continue
        for item in draft.evidence.get("metrics") or ():
            if isinstance(item, Mapping) and item.get("metric") and item.get("start") and item.get("end"):
                wanted.append((draft, str(item["metric"]), item["start"], item["end"]))
    if not wanted:
        return
    start = min(_moment(w[2]) for w in wanted)
    end = max(_moment(w[3]) for w in wanted)
    sql = """
        SELECT resource_id, metric, (ts AT TIME ZONE 'Europe/Moscow')::date, max(value)
        FROM inventory_metricpoint
        WHERE resource_id = ANY(%s) AND metric = ANY(%s) AND ts BETWEEN %s AND %s
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    """
    daily: dict[tuple[int, str], list[tuple[date, Decimal]]] = {}
    with db_connection.cursor() as cursor:
        cursor.execute(sql, [sorted({w[0].resource.pk for w in wanted}), sorted({w[1] for w in wanted}), start, end])
        for pk, metric, day, value in cursor.fetchall():
            daily.setdefault((pk, metric), []).append((day, value))
    for draft, metric, first, last in wanted:
        first_day, last_day = timezone.localdate(_moment(first)), timezone.localdate(_moment(last))
        points = [[day.isoformat(), str(value)] for day, value in daily.get((draft.resource.pk, metric), ())
                  if first_day <= day <= last_day]
        if len(points) >= 2:
            draft.evidence.setdefault("series", {})[metric] = points


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _reconcile(drafts: Mapping[str, list[FindingDraft]], *, context: Context, connection_id: int | None,
               now: datetime, versions: Mapping[str, int], categories: Mapping[str, str],
               disabled: Iterable[str]) -> dict[str, int]:
    today = timezone.localdate(now)
    existing = Finding.objects.filter(rule__in=list(drafts) + list(disabled))
    if connection_id is not None:
        existing = existing.filter(connection_id=connection_id)
    existing = {(f.rule, f.subject): f for f in existing.select_for_update()}
    created, updated = [], []
    changes: list[tuple[Finding, str]] = []  # (finding, its status before) of what the evaluation reopened or closed
    seen: set[tuple[str, str]] = set()
    for rule_key, found in drafts.items():
        for draft in found:
            key = (rule_key, draft.subject)
            if key in seen:
                continue
            seen.add(key)
            finding = existing.get(key)
            if finding is None:
                finding = Finding(rule=rule_key, subject=draft.subject, status=Status.OPEN, first_seen_at=now,
                                  status_changed_at=now)
                _fill(finding, draft, context=context, version=versions.get(rule_key, 1),
                      category=draft.category or categories.get(rule_key, ""), now=now)
                created.append(finding)
                continue
            if finding.status in (Status.APPLIED, Status.VERIFIED):
                finding.last_seen_at = now  # the estimate stays what it was when the change was made
            else:
                _fill(finding, draft, context=context, version=versions.get(rule_key, 1),
                      category=draft.category or categories.get(rule_key, ""), now=now)
                if finding.status == Status.CLOSED or (
                        finding.status == Status.SNOOZED and finding.snoozed_until and finding.snoozed_until <= today):
                    changes.append((finding, finding.status))
                    _set_status(finding, Status.OPEN, now=now, actor=None, audit=False)
                    finding.snoozed_until = None
                    finding.closed_reason = ""
            updated.append(finding)
    closed = []
    linked = [f.resource_id for f in existing.values() if f.resource_id]
    gone = set(Resource.objects.filter(pk__in=linked, is_deleted=True).values_list("pk", flat=True))
    for key, finding in existing.items():
        if key in seen or finding.status not in LIVE_STATUSES:
            continue
        if finding.status == Status.SNOOZED and finding.resource_id not in gone and key[0] not in drafts:
            continue
        finding.closed_reason = "resource_gone" if finding.resource_id in gone else (
            "rule_disabled" if key[0] in disabled else "resolved")
        changes.append((finding, finding.status))
        _set_status(finding, Status.CLOSED, now=now, actor=None, audit=False)
        closed.append(finding)
    # New, updated and closed findings in one COPY and one INSERT ... ON CONFLICT (rule, subject) DO UPDATE: the
    # same statements whatever their number (an existing finding keeps its id and its other columns).
    fields = ["rule_version", "category", "resource", "related_resource_ids", "connection", "provider", "title",
              "action", "action_text", "estimated_monthly_savings", "currency", "formula", "evidence", "confidence",
              "confidence_reason", "risk", "owner", "last_seen_at", "status", "status_changed_at",
              "status_changed_by_id", "snoozed_until", "closed_reason", "policy"]
    bulk_copy_upsert(Finding, [*created, *updated, *closed], unique_fields=["rule", "subject"], update_fields=fields)
    # Closing and reopening are audited like a person's change, with no user (the evaluation made it): one INSERT.
    AuditEvent.objects.bulk_create([AuditEvent(
        actor_id=None, actor_email="", action=f"recommendation.{finding.status}",
        target=f"{finding.title} (#{finding.pk})"[:254],
        data={"finding": finding.pk, "rule": finding.rule, "from": previous, "to": finding.status, "by": "evaluation",
              **({"reason": finding.closed_reason} if finding.closed_reason else {})})
        for finding, previous in changes])
    open_count = Finding.objects.filter(status=Status.OPEN).count()
    return {"findings_created": len(created), "findings_updated": len(updated), "findings_closed": len(closed),
            "findings_open": open_count}


def _fill(finding: Finding, draft: FindingDraft, *, context: Context, version: int, category: str,
          now: datetime) -> None:
    resource = draft.resource
    finding.rule_version = version
    finding.category = category
    finding.resource_id = resource.pk if resource is not None else None
    finding.related_resource_ids = sorted(set(draft.related))
    finding.connection_id = resource.connection_id if resource is not None else draft.evidence.get("connection_id")
    finding.provider = resource.provider if resource is not None else draft.evidence.get("provider", "")
    finding.title = str(draft.title)[:300]
    finding.action = draft.action
    finding.action_text = str(draft.action_text)
    finding.estimated_monthly_savings = draft.savings
    finding.currency = context.currency
    finding.formula = str(draft.formula)
    finding.evidence = _json_safe(draft.evidence)
    finding.confidence = draft.confidence
    finding.confidence_reason = str(draft.confidence_reason)
    finding.risk = draft.risk
    finding.owner = resource.owner if resource is not None else ""
    finding.policy_id = draft.evidence.get("policy_id") if category == Category.POLICY else None
    finding.last_seen_at = now


def _json_safe(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


# --- lifecycle --------------------------------------------------------------------------------------------------

TRANSITIONS = {
    Status.ACCEPTED: (Status.OPEN, Status.SNOOZED, Status.DISMISSED),
    Status.DISMISSED: (Status.OPEN, Status.ACCEPTED, Status.SNOOZED),
    Status.SNOOZED: (Status.OPEN, Status.ACCEPTED),
    Status.APPLIED: (Status.OPEN, Status.ACCEPTED, Status.SNOOZED),
    Status.OPEN: (Status.DISMISSED, Status.SNOOZED, Status.ACCEPTED),  # reopen
}


def _set_status(finding: Finding, status: str, *, now: datetime, actor, audit: bool = True,
                data: dict[str, Any] | None = None) -> None:
    previous = finding.status
    finding.status = status
    finding.status_changed_at = now
    finding.status_changed_by_id = getattr(actor, "pk", None)
    if audit:
        audit_event_record(schema_name=db_connection.schema_name, action=f"recommendation.{status}", actor=actor,
                           target=f"{finding.title} (#{finding.pk})",
                           data={"finding": finding.pk, "rule": finding.rule, "from": previous, "to": status,
                                 **(data or {})})


def _transition(finding: Finding, status: str, *, actor, data: dict[str, Any] | None = None) -> None:
    if finding.status not in TRANSITIONS[status]:
        raise ApplicationError(
            _("A finding in status «%(from)s» cannot become «%(to)s».") % {
                "from": Status(finding.status).label, "to": Status(status).label},
            RecommendationErrorCode.INVALID_TRANSITION, http_status=409)
    _set_status(finding, status, now=timezone.now(), actor=actor, data=data)


def finding_accept(*, finding: Finding, actor) -> Finding:
    with transaction.atomic():
        _transition(finding, Status.ACCEPTED, actor=actor)
        finding.snoozed_until = None
        finding.save()
    organization_data_changed()
    return finding


def finding_dismiss(*, finding: Finding, actor, reason: str) -> Finding:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why the finding is dismissed."), RecommendationErrorCode.REASON_REQUIRED,
                               extra={"fields": {"reason": _("This field is required.")}})
    with transaction.atomic():
        _transition(finding, Status.DISMISSED, actor=actor, data={"reason": reason[:1000]})
        finding.dismiss_reason = reason[:2000]
        finding.snoozed_until = None
        finding.save()
    organization_data_changed()
    return finding


def finding_snooze(*, finding: Finding, actor, until: date, audit_data: dict[str, Any] | None = None) -> Finding:
    today = timezone.localdate()
    if until <= today:
        raise ApplicationError(_("Snooze until a date after today."), RecommendationErrorCode.INVALID_DATE,
                               extra={"fields": {"until": _("The date must be after today.")}})
    if until > today + timedelta(days=366):
        raise ApplicationError(_("A finding can be snoozed for a year at most."), RecommendationErrorCode.INVALID_DATE,
                               extra={"fields": {"until": _("The date must be within a year.")}})
    with transaction.atomic():
        _transition(finding, Status.SNOOZED, actor=actor, data={"until": until.isoformat(), **(audit_data or {})})
        finding.snoozed_until = until
        finding.save()
    organization_data_changed()
    return finding


SNOOZE_CALLBACK_DAYS = 7


def finding_snooze_callback(*, alert, subject_id: str) -> str:
    """The «Snooze» button of a recommendation alert (``settings.NOTIFY_CALLBACK_ACTIONS["snooze"]``), in the
    organization's schema: snooze the finding for ``SNOOZE_CALLBACK_DAYS`` days (no actor, audited
    ``by: telegram``). A finding that cannot be snoozed any more answers why."""
    finding = None
    if alert.subject_type == "finding" and str(subject_id).isdigit():
        finding = Finding.objects.select_for_update().filter(pk=int(subject_id)).first()
    if finding is None:
        return _("This recommendation no longer exists.")
    if finding.status == Status.SNOOZED:
        return _("The recommendation is already snoozed until %(date)s.") % {
            "date": formats.date_format(finding.snoozed_until, "SHORT_DATE_FORMAT") if finding.snoozed_until
            else "—"}
    until = timezone.localdate() + timedelta(days=SNOOZE_CALLBACK_DAYS)
    try:
        finding_snooze(finding=finding, actor=None, until=until, audit_data={"by": "telegram"})
    except ApplicationError as exc:
        return exc.message
    return _("The recommendation is snoozed until %(date)s.") % {
        "date": formats.date_format(until, "SHORT_DATE_FORMAT")}


def finding_reopen(*, finding: Finding, actor) -> Finding:
    with transaction.atomic():
        _transition(finding, Status.OPEN, actor=actor)
        finding.snoozed_until = None
        finding.dismiss_reason = ""
        finding.save()
    organization_data_changed()
    return finding


def finding_apply(*, finding: Finding, actor, applied_on: date | None = None) -> Finding:
    """Mark the change made on ``applied_on`` (today by default); the ledger's daily cost of the finding's resources
    over the ``BASELINE_DAYS`` before it is kept as the baseline the verification compares with."""
    today = timezone.localdate()
    applied_on = applied_on or today
    if applied_on > today:
        raise ApplicationError(_("The change cannot be applied in the future."), RecommendationErrorCode.INVALID_DATE,
                               extra={"fields": {"applied_on": _("The date must not be after today.")}})
    if applied_on < today - timedelta(days=366):
        raise ApplicationError(_("The applied date must be within the last year."),
                               RecommendationErrorCode.INVALID_DATE,
                               extra={"fields": {"applied_on": _("The date must be within the last year.")}})
    with transaction.atomic():
        _transition(finding, Status.APPLIED, actor=actor, data={"applied_on": applied_on.isoformat()})
        finding.applied_on = applied_on
        finding.snoozed_until = None
        before, _days = _daily_average(finding, start=applied_on - timedelta(days=BASELINE_DAYS),
                                       end=applied_on - timedelta(days=1))
        finding.baseline_daily_cost = before
        finding.realized_monthly_savings = None
        finding.verification = {}
        finding.verified_at = None
        finding.save()
    organization_data_changed()
    return finding


def _resource_keys(finding: Finding) -> list[tuple[int, str]]:
    return _resource_keys_of([finding])[finding.pk]


def _finding_pks(finding: Finding) -> list[int]:
    return ([finding.resource_id] if finding.resource_id else []) + list(finding.related_resource_ids or [])


def _resource_keys_of(findings: list[Finding]) -> dict[Any, list[tuple[int, str]]]:
    """Each finding's resources as ``(connection_id, resource_id)`` keys of the ledger, in one query."""
    wanted = {pk for finding in findings for pk in _finding_pks(finding)}
    keys = dict(((pk, (conn, rid)) for pk, conn, rid in Resource.objects.filter(pk__in=wanted).values_list(
        "pk", "connection_id", "resource_id"))) if wanted else {}
    return {finding.pk: [keys[pk] for pk in dict.fromkeys(_finding_pks(finding)) if pk in keys]
            for finding in findings}


def _daily_average(finding: Finding, *, start: date, end: date, costs: Mapping | None = None,
                   keys: list[tuple[int, str]] | None = None) -> tuple[Decimal | None, int]:
    """The finding's resources' ledger cost per day from ``start`` to ``end`` (None when the ledger has no row
    for them there), and the number of days averaged over."""
    if end < start:
        return None, 0
    if keys is None:
        keys = _resource_keys(finding)
    if costs is None:
        costs = resource_daily_costs(keys, start=start, end=end)
    total, found = Decimal(0), False
    for key in keys:
        for day, amount in costs.get(key, {}).items():
            if start <= day <= end:
                total += amount
                found = True
    days = (end - start).days + 1
    return ((total / days).quantize(Decimal("0.0001"), ROUND_HALF_UP) if found else None), days


def _daily_costs_of(keys_of: Mapping[Any, list[tuple[int, str]]], *, start: date, end: date) -> dict[Any, Mapping]:
    """The ledger's daily costs of each finding's resources (``resource_daily_costs`` of its own keys), read for all
    the findings at once. A ledger row imported without a connection links to a resource by its id alone unless
    two of the asked resources share that id: findings whose resources share an id with another finding's are read
    on their own, so each gets exactly what a lookup of its own keys gives."""
    owners: dict[str, set[tuple[int, str]]] = {}
    for keys in keys_of.values():
        for key in keys:
            owners.setdefault(str(key[1]), set()).add((int(key[0]), str(key[1])))
    shared = {rid for rid, keys in owners.items() if len(keys) > 1}
    together = {pk: keys for pk, keys in keys_of.items() if not any(str(rid) in shared for _conn, rid in keys)}
    costs = resource_daily_costs([key for keys in together.values() for key in keys], start=start, end=end)
    found: dict[Any, Mapping] = dict.fromkeys(together, costs)
    for pk, keys in keys_of.items():
        if pk not in together:
            found[pk] = resource_daily_costs(keys, start=start, end=end)
    return found


def findings_verify(*, now: datetime | None = None) -> list[Finding]:
    """Measure the realized saving of every applied finding at least ``VERIFY_AFTER_DAYS`` whole days old: the
    daily cost after the applied date (to yesterday) against the baseline, times 30 days. The ledger is read once
    for all of them."""
    now = now or timezone.now()
    yesterday = timezone.localdate(now) - timedelta(days=1)
    due = list(Finding.objects.filter(status=Status.APPLIED, applied_on__isnull=False,
                                      applied_on__lte=yesterday - timedelta(days=VERIFY_AFTER_DAYS - 1)))
    if not due:
        return []
    keys_of = _resource_keys_of(due)
    costs_of = _daily_costs_of(keys_of, start=min(f.applied_on for f in due) - timedelta(days=BASELINE_DAYS),
                               end=yesterday)
    verified = []
    for finding in due:
        keys, costs = keys_of[finding.pk], costs_of[finding.pk]
        before = finding.baseline_daily_cost
        if before is None:
            before, _days = _daily_average(finding, start=finding.applied_on - timedelta(days=BASELINE_DAYS),
                                           end=finding.applied_on - timedelta(days=1), costs=costs, keys=keys)
        if before is None:
            continue  # nothing in the ledger before the change: nothing to measure against
        start = finding.applied_on + timedelta(days=1)
        after, days = _daily_average(finding, start=start, end=yesterday, costs=costs, keys=keys)
        after = after or Decimal(0)  # no row after the change: the resources cost nothing any more
        realized = ((before - after) * MONTH_DAYS).quantize(CENT, ROUND_HALF_UP)
        finding.baseline_daily_cost = before
        finding.realized_monthly_savings = realized
        finding.verification = {"before_daily": str(before), "after_daily": str(after),
                                "before_start": (finding.applied_on - timedelta(days=BASELINE_DAYS)).isoformat(),
                                "before_end": (finding.applied_on - timedelta(days=1)).isoformat(),
                                "after_start": start.isoformat(), "after_end": yesterday.isoformat(),
                                "after_days": days}
        finding.verified_at = now
        _set_status(finding, Status.VERIFIED, now=now, actor=None, audit=True,
                    data={"realized_monthly_savings": str(realized)})
        verified.append(finding)
    if verified:
        Finding.objects.bulk_update(verified, ["baseline_daily_cost", "realized_monthly_savings", "verification",
                                               "verified_at", "status", "status_changed_at", "status_changed_by_id"])
    return verified


# --- rule settings ----------------------------------------------------------------------------------------------

def rule_settings_update(*, actor, values: Mapping[str, Mapping[str, Any]]) -> list[RuleSetting]:
    """``{rule key: {"enabled": bool, "params": {key: value}}}``; every value is checked before anything is
    saved, an out-of-range one refused with its allowed range."""
    cleaned: dict[str, tuple[bool | None, dict[str, str] | None]] = {}
    problems: dict[str, Any] = {}
    for key, value in values.items():
        try:
            rule = registry.rule_get(key)
            if not isinstance(value, Mapping):
                raise ApplicationError(_("Expected an object."), ErrorCode.INVALID)
            params = value.get("params")
            if params is not None and not isinstance(params, Mapping):
                raise ApplicationError(_("Expected an object."), ErrorCode.INVALID)
            enabled = value.get("enabled")
            if enabled is not None and not isinstance(enabled, bool):
                raise ApplicationError(_("Expected true or false."), ErrorCode.INVALID)
            cleaned[key] = (enabled, registry.rule_params_clean(rule, params) if params is not None else None)
        except ApplicationError as exc:
            problems[key] = exc.extra.get("fields") or exc.message
    if problems:
        raise ApplicationError(_("Some rule settings are invalid."), RecommendationErrorCode.INVALID_PARAMS,
                               extra={"rules": problems})
    saved = []
    with transaction.atomic():
        for key, (enabled, params) in cleaned.items():
            setting, _created = RuleSetting.objects.get_or_create(rule=key)
            if enabled is not None:
                setting.enabled = enabled
            if params is not None:
                setting.params = params
            setting.updated_by_id = getattr(actor, "pk", None)
            setting.save()
            saved.append(setting)
        audit_event_record(schema_name=db_connection.schema_name, action="recommendations.settings", actor=actor,
                           target=", ".join(sorted(cleaned)),
                           data={k: {"enabled": e, "params": p} for k, (e, p) in cleaned.items()})
    return saved


# --- policies ---------------------------------------------------------------------------------------------------

def _policy_audit(action: str, policy: Policy, actor, **data: Any) -> None:
    audit_event_record(schema_name=db_connection.schema_name, action=f"policy.{action}", actor=actor,
                       target=f"{policy.name} (#{policy.pk})",
                       data={"policy": policy.pk, "name": policy.name, "kind": policy.kind, **data})


def policy_create(*, actor, name: str, kind: str, params: Any = None, scope: Any = None,
                  enabled: bool = True) -> Policy:
    """A guardrail, its ``params`` and ``scope`` checked by ``policy_clean`` (every problem named); audited.
    Its violations appear with the next evaluation."""
    clean_params, clean_scope = policy_clean(kind=kind, params=params, scope=scope)
    with transaction.atomic():
        policy = Policy.objects.create(name=name, kind=kind, params=clean_params, scope=clean_scope,
                                       enabled=enabled, created_by_id=getattr(actor, "pk", None))
        _policy_audit("create", policy, actor, params=clean_params, scope=clean_scope, enabled=enabled)
    organization_data_changed()
    return policy


def tag_governance_update(*, actor, rules: Iterable[tuple[str, Iterable[str]]]) -> Policy | None:
    """Save the required tag keys and each one's allowed values (empty = any value) into the tag governance
    policy (``selectors.tag_governance_policy``), creating it on first use; the guardrails evaluate it.
    No rules with no policy yet: nothing to save (None)."""
    keys: list[str] = []
    allowed: dict[str, list[str]] = {}
    for key, values in rules:
        key = (key or "").strip()
        if not key:
            continue
        if key in allowed:
            raise ApplicationError(_("The tag key «%(key)s» is listed twice.") % {"key": key},
                                   RecommendationErrorCode.INVALID_POLICY,
                                   extra={"fields": {"params.tags": _("The tag key «%(key)s» is listed twice.") % {
                                       "key": key}}})
        keys.append(key)
        allowed[key] = [v.strip() for v in values if v and v.strip()]
    params = {"tags": keys, "fields": [], "allowed": allowed}
    policy = tag_governance_policy()
    if policy is None:
        if not keys:
            return None
        return policy_create(actor=actor, name=_("Tag governance"), kind=PolicyKind.REQUIRED_TAGS, params=params)
    if not keys and not (policy.params or {}).get("fields"):
        policy_delete(policy=policy, actor=actor)
        return None
    return policy_update(policy=policy, actor=actor,
                         params={**params, "fields": (policy.params or {}).get("fields", [])})


def policy_update(*, policy: Policy, actor, **fields: Any) -> Policy:
    """Change any of ``name``, ``kind``, ``params``, ``scope``, ``enabled`` (what is not given stays); the result is
    checked as a whole by ``policy_clean``; audited with the fields before and after."""
    unknown = set(fields) - {"name", "kind", "params", "scope", "enabled"}
    if unknown:
        raise TypeError(f"unknown policy fields: {sorted(unknown)}")
    kind = fields.get("kind", policy.kind)
    clean_params, clean_scope = policy_clean(kind=kind, params=fields.get("params", policy.params),
                                             scope=fields.get("scope", policy.scope))
    before = {"name": policy.name, "kind": policy.kind, "params": policy.params, "scope": policy.scope,
              "enabled": policy.enabled}
    with transaction.atomic():
        policy.name = fields.get("name", policy.name)
        policy.kind = kind
        policy.params, policy.scope = clean_params, clean_scope
        policy.enabled = fields.get("enabled", policy.enabled)
        policy.save()
        after = {"name": policy.name, "kind": policy.kind, "params": policy.params, "scope": policy.scope,
                 "enabled": policy.enabled}
        _policy_audit("update", policy, actor, changes={k: [before[k], after[k]] for k in after
                                                        if before[k] != after[k]})
    organization_data_changed()
    return policy


def policy_delete(*, policy: Policy, actor) -> None:
    """Delete the policy and its violations (findings of category ``policy``); audited."""
    with transaction.atomic():
        _policy_audit("delete", policy, actor, params=policy.params, scope=policy.scope)
        policy.delete()
    organization_data_changed()
