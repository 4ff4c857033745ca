"""End to end through a real django-q2 worker process: ``evaluation_start`` queues the evaluation, the worker runs it
in the organization's schema, the run ends in success with its findings.

No ``db`` fixture: the worker is another process, so the organization, its resources and the queued task must be
committed; the organization is dropped again at teardown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.recommendations.models import EvaluationRun, Finding
from apps.recommendations.services import evaluation_start
from apps.recommendations.vocabulary import RunStatus, RunTrigger, Status
from apps.tenants.services import organization_create
from tests import processes

from .conftest import connection_make, volume_make


@pytest.fixture
def organization(world, django_db_blocker):
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        made = organization_create(slug="reco-worker", name="Reco Worker")
    try:
        yield made
    finally:
        with django_db_blocker.unblock():
            connection.set_schema_to_public()
            made.delete(force_drop=True)
            connection.set_schema_to_public()


@pytest.mark.worker
def test_a_queued_evaluation_is_run_by_the_worker(organization, django_db_blocker):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "infrazen.settings.test",
           "DATABASE_URL": processes.test_database_url(), "PYTHONUNBUFFERED": "1"}
    with tempfile.TemporaryFile(mode="w+") as log:
        worker = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=processes.ROOT, env=env,
                                  stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            with django_db_blocker.unblock(), schema_context(organization.schema_name):
                conn = connection_make()
                disk = volume_make(conn, "fhm-disk-worker", monthly="420.00")
                volume_make(conn, "fhm-disk-busy", attached=True)
                assert not connection.in_atomic_block  # so on_commit enqueues right away
                run = evaluation_start(trigger=RunTrigger.MANUAL)
                assert run.status == RunStatus.QUEUED
                deadline = time.monotonic() + 90
                while time.monotonic() < deadline:
                    run.refresh_from_db()
                    if run.status in (RunStatus.SUCCESS, RunStatus.PARTIAL, RunStatus.FAILED):
                        break
                    assert worker.poll() is None, "the worker exited early"
                    time.sleep(0.5)
                assert run.status == RunStatus.SUCCESS, (run.status, run.errors)
                assert run.resources == 2 and run.findings_created == 1 and run.progress_percent == 100
                assert run.rules_done == run.rules_total and run.started_at is not None
                finding = Finding.objects.get()
                assert finding.rule == "unattached_volume" and finding.resource_id == disk.pk
                assert finding.status == Status.OPEN and finding.estimated_monthly_savings == Decimal("420.00")
                assert EvaluationRun.objects.count() == 1
        except BaseException:
            log.seek(0)
            print("--- worker output ---\n" + log.read())
            raise
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=10)
