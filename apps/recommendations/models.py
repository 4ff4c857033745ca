"""Findings (recommendations and policy violations) with their lifecycle, evaluation runs, rule settings and
guardrail policies. All in the organization's schema."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .vocabulary import Action, Category, Confidence, PolicyKind, Risk, RunStatus, RunTrigger, Status

MONEY = {"max_digits": 16, "decimal_places": 2}


class EvaluationRun(models.Model):
    """One evaluation of the rules (and policies) over the organization or one connection's resources."""

    trigger = models.CharField(_("trigger"), max_length=16, choices=RunTrigger.choices, default=RunTrigger.MANUAL)
    connection = models.ForeignKey("providers.ProviderConnection", verbose_name=_("connection"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    rules_total = models.PositiveIntegerField(_("rules to run"), default=0)
    rules_done = models.PositiveIntegerField(_("rules done"), default=0)
    resources = models.PositiveIntegerField(_("resources evaluated"), default=0)
    findings_open = models.PositiveIntegerField(_("open findings"), default=0)
    findings_created = models.PositiveIntegerField(_("new findings"), default=0)
    findings_updated = models.PositiveIntegerField(_("updated findings"), default=0)
    findings_closed = models.PositiveIntegerField(_("closed findings"), default=0)
    findings_verified = models.PositiveIntegerField(_("verified findings"), default=0)
    potential_monthly_savings = models.DecimalField(_("potential monthly savings"), null=True, blank=True, **MONEY)
    # [{"rule": key, "code": ..., "message": ...}]: a rule that raised; the others still ran.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # The ledger's highest id when the run read it: a later sync that changed nothing need not evaluate again.
    ledger_watermark = models.BigIntegerField(_("ledger watermark"), null=True, blank=True, editable=False)
    requested_by_id = models.BigIntegerField(_("requested by (user ID)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("evaluation run")
        verbose_name_plural = _("evaluation runs")

    def __str__(self) -> str:
        return f"#{self.pk} {self.trigger} {self.status}"

    @property
    def progress_percent(self) -> int:
        if self.status in (RunStatus.SUCCESS, RunStatus.PARTIAL, RunStatus.FAILED):
            return 100
        return int(self.rules_done * 100 / self.rules_total) if self.rules_total else 0


class Policy(models.Model):
    """A guardrail: ``kind`` with its ``params``, applied to the resources its ``scope`` selects."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=PolicyKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # {"providers": [...], "connections": [ids], "kinds": [...], "regions": [...], "environments": [...],
    #  "tags": {"key": "value"}}; empty = every resource.
    scope = models.JSONField(_("scope"), default=dict, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_by_id = models.BigIntegerField(_("created by (user ID)"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ("name", "id")
        verbose_name = _("policy")
        verbose_name_plural = _("policies")

    def __str__(self) -> str:
        return self.name


class RuleSetting(models.Model):
    """The organization's own parameters of one rule (what it leaves out keeps the rule's default)."""

    rule = models.CharField(_("rule"), max_length=64, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    updated_by_id = models.BigIntegerField(_("updated by (user ID)"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ("rule",)
        verbose_name = _("rule setting")
        verbose_name_plural = _("rule settings")

    def __str__(self) -> str:
        return self.rule


class Finding(models.Model):
    """What one rule (or policy) found about one resource or group of resources, and what people did about it.

    ``subject`` identifies the finding within its rule (usually the resource's primary key), so a
    re-evaluation updates the same row (same ``id``) instead of adding another.
    """

    rule = models.CharField(_("rule"), max_length=64)
    rule_version = models.PositiveIntegerField(_("rule version"), default=1)
    subject = models.CharField(_("subject"), max_length=255)
    policy = models.ForeignKey(Policy, verbose_name=_("policy"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="violations")
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN,
                              db_index=True)
    resource = models.ForeignKey("inventory.Resource", verbose_name=_("resource"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="findings")
    related_resource_ids = models.JSONField(_("related resources"), default=list, blank=True)
    connection = models.ForeignKey("providers.ProviderConnection", verbose_name=_("connection"), null=True,
                                   blank=True, on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(_("provider"), max_length=32, blank=True, db_index=True)
    title = models.CharField(_("title"), max_length=300)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    action_text = models.TextField(_("what to do"), blank=True)
    estimated_monthly_savings = models.DecimalField(_("estimated monthly savings"), null=True, blank=True, **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    formula = models.TextField(_("formula"), blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    confidence = models.CharField(_("confidence"), max_length=8, choices=Confidence.choices,
                                  default=Confidence.MEDIUM)
    confidence_reason = models.TextField(_("confidence reason"), blank=True)
    risk = models.CharField(_("risk"), max_length=8, choices=Risk.choices, blank=True)
    owner = models.CharField(_("owner"), max_length=255, blank=True)
    # --- lifecycle
    first_seen_at = models.DateTimeField(_("first found"))
    last_seen_at = models.DateTimeField(_("last confirmed"))
    status_changed_at = models.DateTimeField(_("status changed"))
    status_changed_by_id = models.BigIntegerField(_("status changed by (user ID)"), null=True, blank=True)
    dismiss_reason = models.TextField(_("dismissal reason"), blank=True)
    snoozed_until = models.DateField(_("snoozed until"), null=True, blank=True)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    # Daily cost of the resources before the change (fixed when applied) and the measured saving.
    baseline_daily_cost = models.DecimalField(_("daily cost before"), null=True, blank=True, max_digits=16,
                                              decimal_places=4)
    realized_monthly_savings = models.DecimalField(_("realized monthly savings"), null=True, blank=True, **MONEY)
    verification = models.JSONField(_("verification"), default=dict, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    closed_reason = models.CharField(_("closed because"), max_length=32, blank=True)

    class Meta:
        ordering = ("-estimated_monthly_savings", "id")
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [models.UniqueConstraint(fields=["rule", "subject"], name="recommendations_finding_subject")]
        indexes = [models.Index(fields=["status", "category"], name="recommendations_status_cat")]

    def __str__(self) -> str:
        return f"{self.rule}:{self.subject} {self.status}"
