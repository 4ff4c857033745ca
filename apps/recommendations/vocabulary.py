"""The words of recommendations: categories, statuses, confidence, risk, actions. Imports nothing of the project."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Category(models.TextChoices):
    RIGHTSIZING = "rightsizing", _("Rightsizing")
    IDLE = "idle", _("Idle resources")
    CLEANUP = "cleanup", _("Cleanup")
    SCHEDULE = "schedule", _("Off-hours schedules")
    STORAGE = "storage", _("Storage policy")
    COMMITMENT = "commitment", _("Commitments")
    PRICING = "pricing", _("Platform and pricing options")
    SECURITY = "security", _("Security hygiene")
    PLAN = "plan", _("Plans and balance")
    POLICY = "policy", _("Policy violations")


class Status(models.TextChoices):
    OPEN = "open", pgettext_lazy("finding status", "Open")
    ACCEPTED = "accepted", pgettext_lazy("finding status", "Accepted")
    DISMISSED = "dismissed", pgettext_lazy("finding status", "Dismissed")
    SNOOZED = "snoozed", pgettext_lazy("finding status", "Snoozed")
    APPLIED = "applied", pgettext_lazy("finding status", "Applied")
    VERIFIED = "verified", pgettext_lazy("finding status", "Verified")
    CLOSED = "closed", pgettext_lazy("finding status", "Closed")


# Findings whose savings count in the potential (the backlog someone still has to act on).
POTENTIAL_STATUSES = (Status.OPEN, Status.ACCEPTED)
# Findings a re-evaluation refreshes (and closes when their condition no longer holds).
LIVE_STATUSES = (Status.OPEN, Status.ACCEPTED, Status.SNOOZED)


class Confidence(models.TextChoices):
    HIGH = "high", pgettext_lazy("confidence", "High")
    MEDIUM = "medium", pgettext_lazy("confidence", "Medium")
    LOW = "low", pgettext_lazy("confidence", "Low")


class Risk(models.TextChoices):
    HIGH = "high", pgettext_lazy("risk", "High")
    MEDIUM = "medium", pgettext_lazy("risk", "Medium")
    LOW = "low", pgettext_lazy("risk", "Low")


class Action(models.TextChoices):
    RIGHTSIZE = "rightsize", _("Change the size")
    STOP = "stop", _("Stop or delete")
    DELETE = "delete", _("Delete")
    RELEASE = "release", _("Release")
    SCHEDULE = "schedule", _("Turn off outside working hours")
    CHANGE_CLASS = "change_class", _("Change the storage class")
    COMMIT = "commit", _("Buy a commitment")
    CHANGE_PLATFORM = "change_platform", _("Move to another platform")
    PREEMPTIBLE = "preemptible", _("Use preemptible instances")
    MOVE_REGION = "move_region", _("Move to a cheaper region")
    RESTRICT = "restrict", _("Restrict access")
    CHANGE_PLAN = "change_plan", _("Change the plan")
    TOP_UP = "top_up", _("Top up the balance")
    FIX_POLICY = "fix_policy", _("Bring in line with the policy")


class RunStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("evaluation status", "Queued")
    RUNNING = "running", pgettext_lazy("evaluation status", "Running")
    SUCCESS = "success", pgettext_lazy("evaluation status", "Success")
    PARTIAL = "partial", pgettext_lazy("evaluation status", "Partial")
    FAILED = "failed", pgettext_lazy("evaluation status", "Failed")


class RunTrigger(models.TextChoices):
    SYNC = "sync", pgettext_lazy("evaluation trigger", "After a sync")
    NIGHTLY = "nightly", pgettext_lazy("evaluation trigger", "Nightly")
    MANUAL = "manual", pgettext_lazy("evaluation trigger", "On demand")
    COMMAND = "command", pgettext_lazy("evaluation trigger", "Command line")


class PolicyKind(models.TextChoices):
    REQUIRED_TAGS = "required_tags", _("Required tags or fields")
    MAX_MONTHLY_COST = "max_monthly_cost", _("Maximum monthly cost per resource")
    FORBIDDEN_REGIONS = "forbidden_regions", _("Forbidden regions")
    FORBIDDEN_TYPES = "forbidden_types", _("Forbidden resource types")
    TTL = "ttl", _("Lifetime of non-production resources")
