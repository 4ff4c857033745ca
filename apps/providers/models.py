from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_cryptography.fields import encrypt

from .registry import provider_choices


class ConnectionStatus(models.TextChoices):
    NEW = "new", _("Not checked yet")
    OK = "ok", _("Connected")
    ERROR = "error", _("Error")
    SYNCING = "syncing", _("Syncing")


class SyncInterval(models.IntegerChoices):
    HOURLY = 60, _("Every hour")
    EVERY_6_HOURS = 360, _("Every 6 hours")
    EVERY_12_HOURS = 720, _("Every 12 hours")
    DAILY = 1440, _("Once a day")


class ProviderConnection(models.Model):
    """One organization's connection to one cloud account.

    ``credentials`` is a dict encrypted at rest (django-cryptography: the column is ``bytea``); it is
    write-only: no serializer, form, admin page, log line or error message ever shows it.
    """

    provider = models.CharField(_("provider"), max_length=32, choices=provider_choices)
    name = models.CharField(_("name"), max_length=120)
    credentials = encrypt(models.JSONField(_("credentials"), default=dict))
    # Honoured only when settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS is on (an SSRF door otherwise).
    endpoint = models.URLField(_("API base URL"), max_length=300, blank=True)
    sync_interval_minutes = models.PositiveIntegerField(_("sync interval"), choices=SyncInterval.choices,
                                                        default=SyncInterval.DAILY)
    auto_sync = models.BooleanField(_("automatic sync"), default=True)
    status = models.CharField(_("status"), max_length=16, choices=ConnectionStatus.choices,
                              default=ConnectionStatus.NEW)
    last_tested_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_sync_at = models.DateTimeField(_("last sync"), null=True, blank=True)
    last_error_code = models.CharField(_("last error code"), max_length=64, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    account_info = models.JSONField(_("account information"), default=dict, blank=True)
    created_by_id = models.BigIntegerField(_("created by (user ID)"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ("provider", "name", "id")
        verbose_name = _("cloud connection")
        verbose_name_plural = _("cloud connections")
        constraints = [models.UniqueConstraint(fields=["provider", "name"], name="providers_connection_unique_name")]

    def __str__(self) -> str:
        return f"{self.get_provider_display()}: {self.name}"

    def __repr__(self) -> str:  # never the credentials
        return f"<ProviderConnection {self.pk} {self.provider} {self.name!r}>"


class SyncStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", pgettext_lazy("sync status", "Running")
    SUCCESS = "success", _("Success")
    PARTIAL = "partial", _("Partially synced")
    ERROR = "error", _("Error")


ACTIVE_SYNC_STATUSES = (SyncStatus.QUEUED, SyncStatus.RUNNING)


class SyncTrigger(models.TextChoices):
    MANUAL = "manual", _("Manual")
    SCHEDULED = "scheduled", _("Scheduled")
    API = "api", _("API")


class SyncPhase(models.TextChoices):
    QUEUED = "queued", _("Waiting in the queue")
    ACCOUNT = "account", _("Reading account information")
    FETCHING = "fetching", _("Fetching resources")
    SAVING = "saving", _("Saving changes")
    METRICS = "metrics", _("Fetching metrics")
    COSTS = "costs", _("Importing costs")
    DONE = "done", _("Done")


# Where each phase starts on the progress bar (fetching moves from 10 to 80 with the endpoints done).
_PHASE_PERCENT = {SyncPhase.QUEUED: 0, SyncPhase.ACCOUNT: 5, SyncPhase.FETCHING: 10, SyncPhase.SAVING: 80,
                  SyncPhase.METRICS: 85, SyncPhase.COSTS: 95}


class SyncRun(models.Model):
    """One synchronization of one connection: the product description's ``sync_snapshots`` table.

    Column map: provider_id -> ``connection``, sync_type -> ``trigger``, sync_status -> ``status``,
    sync_started_at / sync_completed_at -> ``started_at`` / ``finished_at``, total_resources_found ->
    ``resources_found``; the others keep their names. ``errors`` holds ``{endpoint, code, message}``
    per failed endpoint, never secrets.
    """

    connection = models.ForeignKey(ProviderConnection, on_delete=models.CASCADE, related_name="sync_runs",
                                   verbose_name=_("connection"))
    trigger = models.CharField(_("trigger"), max_length=16, choices=SyncTrigger.choices, default=SyncTrigger.MANUAL)
    status = models.CharField(_("status"), max_length=16, choices=SyncStatus.choices, default=SyncStatus.QUEUED)
    phase = models.CharField(_("phase"), max_length=16, choices=SyncPhase.choices, default=SyncPhase.QUEUED)
    current_endpoint = models.CharField(_("current endpoint"), max_length=120, blank=True)
    requested_by_id = models.BigIntegerField(_("requested by (user ID)"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration, seconds"), null=True, blank=True)
    endpoints_total = models.PositiveIntegerField(_("API calls"), default=0)
    endpoints_ok = models.PositiveIntegerField(_("successful API calls"), default=0)
    endpoints_failed = models.PositiveIntegerField(_("failed API calls"), default=0)
    resources_found = models.PositiveIntegerField(_("resources found"), default=0)
    resources_created = models.PositiveIntegerField(_("resources added"), default=0)
    resources_updated = models.PositiveIntegerField(_("resources changed"), default=0)
    resources_deleted = models.PositiveIntegerField(_("resources deleted"), default=0)
    resources_unchanged = models.PositiveIntegerField(_("resources unchanged"), default=0)
    metric_points = models.PositiveIntegerField(_("metric points"), default=0)
    cost_records = models.PositiveIntegerField(_("cost records imported"), default=0)
    total_daily_cost = models.DecimalField(_("total daily cost"), max_digits=16, decimal_places=4, default=0)
    total_monthly_cost = models.DecimalField(_("total monthly cost"), max_digits=16, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    total_resources_by_type = models.JSONField(_("resources by type"), default=dict, blank=True)
    total_resources_by_status = models.JSONField(_("resources by status"), default=dict, blank=True)
    error_message = models.TextField(_("error"), blank=True)
    error_details = models.JSONField(_("error details"), default=dict, blank=True)
    errors = models.JSONField(_("endpoint errors"), default=list, blank=True)
    sync_config = models.JSONField(_("sync settings"), default=dict, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        constraints = [
            # One sync per connection at a time, guaranteed by the database as well as by the service.
            models.UniqueConstraint(fields=["connection"], condition=models.Q(status__in=["queued", "running"]),
                                    name="providers_one_active_sync_per_connection"),
        ]
        indexes = [models.Index(fields=["connection", "-created_at"], name="providers_syncrun_conn_created")]

    def __str__(self) -> str:
        return f"sync {self.pk} of connection {self.connection_id}: {self.status}"

    @property
    def sync_type(self) -> str:
        return self.trigger

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_SYNC_STATUSES

    @property
    def percent(self) -> int:
        """Rough progress for the bar: fetching the endpoints is most of a run, the later phases are short."""
        if not self.is_active or self.phase == SyncPhase.DONE:
            return 100
        if self.phase == SyncPhase.FETCHING and self.endpoints_total:
            done = min(self.endpoints_ok + self.endpoints_failed, self.endpoints_total)
            return 10 + 70 * done // self.endpoints_total
        return _PHASE_PERCENT.get(self.phase, 0)


class ResourceStateAction(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    DELETED = "deleted", _("Deleted")
    UNCHANGED = "unchanged", _("Unchanged")


class ResourceState(models.Model):
    """What one sync saw of one resource: the product description's ``resource_states`` table.

    Column map: sync_snapshot_id -> ``sync_run``, state_action -> ``state``, changes_detected ->
    ``changes``, has_cost/status/config_change -> ``cost_changed`` / ``status_changed`` / ``config_changed``,
    effective_cost -> ``current_daily_cost`` (``effective_cost`` is kept as a property).
    """

    sync_run = models.ForeignKey(SyncRun, verbose_name=_("sync run"), on_delete=models.CASCADE,
                                 related_name="resource_states")
    resource = models.ForeignKey("inventory.Resource", verbose_name=_("resource"), on_delete=models.CASCADE,
                                 related_name="states", null=True,
                                 blank=True)
    provider_resource_id = models.CharField(_("resource ID at the provider"), max_length=255)
    resource_type = models.CharField(_("resource type"), max_length=64)
    resource_name = models.CharField(_("resource name"), max_length=255, blank=True)
    state = models.CharField(_("change"), max_length=16, choices=ResourceStateAction.choices)
    previous_state = models.JSONField(_("previous state"), null=True, blank=True)
    current_state = models.JSONField(_("current state"), null=True, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    service_name = models.CharField(_("service"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=32, blank=True)
    previous_daily_cost = models.DecimalField(_("previous daily cost"), max_digits=14, decimal_places=4, null=True,
                                              blank=True)
    current_daily_cost = models.DecimalField(_("daily cost"), max_digits=14, decimal_places=4, null=True, blank=True)
    previous_monthly_cost = models.DecimalField(_("previous monthly cost"), max_digits=14, decimal_places=2,
                                                null=True, blank=True)
    current_monthly_cost = models.DecimalField(_("monthly cost"), max_digits=14, decimal_places=2, null=True,
                                               blank=True)
    cost_changed = models.BooleanField(_("cost changed"), default=False)
    status_changed = models.BooleanField(_("status changed"), default=False)
    config_changed = models.BooleanField(_("configuration changed"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ("-sync_run_id", "id")
        verbose_name = _("resource state")
        verbose_name_plural = _("resource states")
        indexes = [models.Index(fields=["resource", "-sync_run"], name="providers_state_resource_run")]

    def __str__(self) -> str:
        return f"{self.provider_resource_id}: {self.state}"

    @property
    def effective_cost(self):
        return self.current_daily_cost

    @property
    def snapshot(self):
        return self.current_state
