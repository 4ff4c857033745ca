"""End to end through a real django-q2 worker process: ``evaluation_start`` queues the evaluation, the worker runs it
in the organization's schema, the run ends in success with its findings.

No ``db`` fixture: the worker is another process, so the organization, its resources and the queued task must be
committed; the organization is dropped again at teardown."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.recommendations.models import EvaluationRun, Finding
from apps.recommendations.services import evaluation_start
from apps.recommendations.vocabulary import RunStatus, RunTrigger, Status
from tests import processes

from .conftest import connection_make, volume_make

FINISHED = (RunStatus.SUCCESS, RunStatus.PARTIAL, RunStatus.FAILED)


@pytest.mark.worker
def test_a_queued_evaluation_is_run_by_the_worker(committed_organization, django_db_blocker):
    organization = committed_organization("reco-worker", "Reco Worker")
    with processes.worker_process() as worker, django_db_blocker.unblock(), \
            schema_context(organization.schema_name):
        conn = connection_make()
        disk = volume_make(conn, "fhm-disk-worker", monthly="420.00")
        volume_make(conn, "fhm-disk-busy", attached=True)
        assert not connection.in_atomic_block  # so on_commit enqueues right away
        run = evaluation_start(trigger=RunTrigger.MANUAL)
        assert run.status == RunStatus.QUEUED
        processes.wait_for(lambda: run.refresh_from_db() or run.status in FINISHED, worker, seconds=90)
        assert run.status == RunStatus.SUCCESS, (run.status, run.errors)
        assert run.resources == 2 and run.findings_created == 1 and run.progress_percent == 100
        assert run.rules_done == run.rules_total and run.started_at is not None
        finding = Finding.objects.get()
        assert finding.rule == "unattached_volume" and finding.resource_id == disk.pk
        assert finding.status == Status.OPEN and finding.estimated_monthly_savings == Decimal("420.00")
        assert EvaluationRun.objects.count() == 1
