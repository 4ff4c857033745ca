"""The engine end to end on the demo through a real django-q2 worker: the demo estate seeded in a committed
organization, «Пересчитать» queues an evaluation, a real worker process runs it in the organization's schema, and
the backlog it leaves is the demo's (10 400 ₽ a month ± 15 % across rightsizing, cleanup and storage policy), the
same findings (same ids) as the seed's own evaluation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.demo.seeding import demo_costs_seed
from apps.recommendations.models import Finding
from apps.recommendations.selectors import findings_summary
from apps.recommendations.services import evaluation_start
from apps.recommendations.vocabulary import Category, RunStatus, RunTrigger, Status
from tests import processes

TARGET = Decimal("10400")
FINISHED = (RunStatus.SUCCESS, RunStatus.PARTIAL, RunStatus.FAILED)


@pytest.mark.worker
def test_the_demo_is_evaluated_by_a_real_worker(committed_organization, django_db_blocker):
    organization = committed_organization("demo-worker", "Demo Worker")
    with django_db_blocker.unblock(), schema_context(organization.schema_name):
        demo_costs_seed(owner=None)
        before = dict(Finding.objects.values_list("id", "status"))
        assert before, "the seed's own evaluation found nothing"
    with processes.worker_process() as worker, django_db_blocker.unblock(), \
            schema_context(organization.schema_name):
        assert not connection.in_atomic_block  # so on_commit enqueues right away
        run = evaluation_start(trigger=RunTrigger.MANUAL)
        processes.wait_for(lambda: run.refresh_from_db() or run.status in FINISHED, worker, seconds=150)
        assert run.status == RunStatus.SUCCESS, (run.status, run.errors)
        assert run.findings_created == 0 and run.findings_closed == 0 and run.rules_done == run.rules_total
        assert dict(Finding.objects.values_list("id", "status")) == before
        summary = findings_summary()
        assert TARGET * Decimal("0.85") <= summary["potential_monthly_savings"] <= TARGET * Decimal("1.15")
        for category in (Category.RIGHTSIZING, Category.CLEANUP, Category.STORAGE):
            assert summary["open_by_category"][category] >= 1, category
        assert Finding.objects.filter(status=Status.VERIFIED, realized_monthly_savings__gt=0).exists()
