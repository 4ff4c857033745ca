"""The MSP console's public-side data: figures per client organization (refreshed by a job that runs inside
each client's schema, so no request ever loops over schemas), billing rules, margins and client statements.

All in the public schema: a partner's operators see only their own clients' rows (``partner`` on every row)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.tenants.models import Organization, Partner

from .vocabulary import BudgetState, StatementStatus, SyncHealth

MONEY = {"max_digits": 20, "decimal_places": 2}


class ClientSnapshot(models.Model):
    """The console's row for one client organization: figures in the client's currency, as of ``refreshed_at``."""

    organization = models.OneToOneField(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="console_snapshot"
    )
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner (MSP)"), on_delete=models.CASCADE, related_name="client_snapshots"
    )
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    month = models.DateField(_("month"), help_text=_("First day of the current month in the client's time zone."))
    spend_month = models.DecimalField(_("spend this month"), default=0, **MONEY)
    spend_prev_month = models.DecimalField(_("spend last month"), default=0, **MONEY)
    forecast_month = models.DecimalField(_("month-end forecast"), default=0, **MONEY)
    potential_savings = models.DecimalField(_("potential savings per month"), default=0, **MONEY)
    billed_month = models.DecimalField(_("billed this month (without VAT)"), default=0, **MONEY)
    vat_month = models.DecimalField(_("VAT this month"), default=0, **MONEY)
    budget_status = models.CharField(
        _("budget status"), max_length=16, choices=BudgetState.choices, default=BudgetState.NONE
    )
    runway_days = models.IntegerField(_("balance runway, days"), null=True, blank=True)
    sync_health = models.CharField(
        _("last sync health"), max_length=16, choices=SyncHealth.choices, default=SyncHealth.NONE
    )
    last_sync_at = models.DateTimeField(_("last synchronization"), null=True, blank=True)
    open_alerts = models.PositiveIntegerField(_("open alerts"), default=0)
    refreshed_at = models.DateTimeField(_("refreshed"), null=True, blank=True)
    error = models.TextField(_("refresh error"), blank=True)

    class Meta:
        verbose_name = _("client figures")
        verbose_name_plural = _("client figures")
        ordering = ["organization__name"]

    def __str__(self) -> str:
        return str(self.organization)

    @property
    def margin_month(self):
        return self.billed_month - self.spend_month


class ClientMonthCost(models.Model):
    """A client's cost of one month by provider and service (the client's currency): what margins and
    statements are computed from. Written by the same refresh as the snapshot, for the last 13 months."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="console_month_costs"
    )
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner (MSP)"), on_delete=models.CASCADE, related_name="client_month_costs"
    )
    month = models.DateField(_("month"))
    provider = models.CharField(_("provider"), max_length=100)
    service = models.CharField(_("service"), max_length=200)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    cost = models.DecimalField(_("cost"), **MONEY)

    class Meta:
        verbose_name = _("client cost by month")
        verbose_name_plural = _("client costs by month")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "month", "provider", "service"], name="unique_client_month_cost"
            )
        ]
        indexes = [models.Index(fields=["partner", "month"])]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month:%Y-%m} {self.provider} / {self.service}"


class BillingRule(models.Model):
    """How a partner bills a client (or all its clients) for a provider or service.

    For each cost line the most specific active rule applies (client+provider+service over client+provider over
    client over the partner-wide ones). ``provider_discount_percent`` is the partner's own discount from the
    provider (the ledger holds the discounted cost); ``pass_through_percent`` of that discount goes to the client,
    the partner retains the rest. Then the markup. The fixed fee and the minimum charge are per client and month
    (from the most specific rule of the client that sets them)."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner (MSP)"), on_delete=models.CASCADE, related_name="billing_rules"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="billing_rules",
        help_text=_("Empty: every client of the partner."),
    )
    provider = models.CharField(_("provider"), max_length=100, blank=True, help_text=_("Empty: every provider."))
    service = models.CharField(_("service"), max_length=200, blank=True, help_text=_("Empty: every service."))
    markup_percent = models.DecimalField(_("markup, %"), max_digits=7, decimal_places=2, default=0)
    provider_discount_percent = models.DecimalField(
        _("partner's discount from the provider, %"), max_digits=5, decimal_places=2, default=0
    )
    pass_through_percent = models.DecimalField(
        _("discount passed to the client, %"), max_digits=5, decimal_places=2, default=0
    )
    fixed_monthly_fee = models.DecimalField(_("fixed monthly fee"), default=0, **MONEY)
    minimum_charge = models.DecimalField(_("minimum monthly charge"), default=0, **MONEY)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("billing rule")
        verbose_name_plural = _("billing rules")
        ordering = ["organization__name", "provider", "service"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "organization", "provider", "service"],
                nulls_distinct=False,
                name="unique_billing_rule_scope",
            )
        ]

    def __str__(self) -> str:
        scope = " / ".join(x for x in (self.provider, self.service) if x) or _("all services")
        return f"{self.organization or _('all clients')}: {scope}"


class Statement(models.Model):
    """A monthly statement of a partner to a client. A draft is regenerated at will; an issued one is immutable
    (numbered, its figures, requisites and files frozen) and can only be superseded by a correction statement."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner (MSP)"), on_delete=models.PROTECT, related_name="statements"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("client"), on_delete=models.PROTECT, related_name="statements"
    )
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"), max_length=16, choices=StatementStatus.choices, default=StatementStatus.DRAFT
    )
    number = models.CharField(_("number"), max_length=32, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    subtotal = models.DecimalField(_("amount without VAT"), default=0, **MONEY)
    vat = models.DecimalField(_("VAT"), default=0, **MONEY)
    total = models.DecimalField(_("total with VAT"), default=0, **MONEY)
    cost = models.DecimalField(_("cost"), default=0, **MONEY)
    # [{"kind", "provider", "service", "cost", "markup", "amount"}] as decimal strings: frozen on issue.
    lines = models.JSONField(_("lines"), default=list)
    seller = models.JSONField(_("partner's requisites"), default=dict)
    buyer = models.JSONField(_("client's requisites"), default=dict)
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("corrects statement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction",
    )
    pdf = models.BinaryField(_("PDF file"), null=True, blank=True, editable=False)
    xlsx = models.BinaryField(_("XLSX file"), null=True, blank=True, editable=False)
    generated_at = models.DateTimeField(_("generated"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    issued_by_id = models.BigIntegerField(_("issued by (user ID)"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("client statement")
        verbose_name_plural = _("client statements")
        ordering = ["-month", "organization__name", "-created_at"]
        constraints = [
            # One draft per client and month; one statement in force (issued) per client and month.
            models.UniqueConstraint(
                fields=["organization", "month"],
                condition=models.Q(status="draft"),
                name="one_draft_statement_per_month",
            ),
            models.UniqueConstraint(
                fields=["organization", "month"],
                condition=models.Q(status="issued"),
                name="one_issued_statement_per_month",
            ),
            models.UniqueConstraint(
                fields=["partner", "number"], condition=~models.Q(number=""), name="unique_statement_number"
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.organization} {self.month:%Y-%m} ({self.get_status_display()})"
