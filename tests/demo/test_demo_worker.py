"""The engine end to end on the demo through a real django-q2 worker: the demo estate seeded in a committed
organization, «Пересчитать» queues an evaluation, a real worker process runs it in the organization's schema, and
the backlog it leaves is the demo's (10 400 ₽ a month ± 15 % across rightsizing, cleanup and storage policy), the
same findings (same ids) as the seed's own evaluation."""

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

from apps.demo.seeding import demo_costs_seed
from apps.recommendations.models import Finding
from apps.recommendations.selectors import findings_summary
from apps.recommendations.services import evaluation_start
from apps.recommendations.vocabulary import Category, RunStatus, RunTrigger, Status
from apps.tenants.services import organization_create
from tests import processes

TARGET = Decimal("10400")


@pytest.fixture
def organization(world, django_db_blocker):
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        made = organization_create(slug="demo-worker", name="Demo Worker")
    try:
        yield made
    finally:
        with django_db_blocker.unblock():
            connection.set_schema_to_public()
            made.delete(force_drop=True)
            connection.set_schema_to_public()


@pytest.mark.worker
def test_the_demo_is_evaluated_by_a_real_worker(organization, django_db_blocker):
    with django_db_blocker.unblock(), schema_context(organization.schema_name):
        demo_costs_seed(owner=None)
        before = dict(Finding.objects.values_list("id", "status"))
        assert before, "the seed's own evaluation found nothing"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "infrazen.settings.test",
           "DATABASE_URL": processes.test_database_url(), "PYTHONUNBUFFERED": "1"}
    with tempfile.TemporaryFile(mode="w+") as log:
        worker = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=processes.ROOT, env=env,
                                  stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            with django_db_blocker.unblock(), schema_context(organization.schema_name):
                assert not connection.in_atomic_block  # so on_commit enqueues right away
                run = evaluation_start(trigger=RunTrigger.MANUAL)
                deadline = time.monotonic() + 150
                while time.monotonic() < deadline:
                    run.refresh_from_db()
                    if run.status in (RunStatus.SUCCESS, RunStatus.PARTIAL, RunStatus.FAILED):
                        break
                    assert worker.poll() is None, "the worker exited early"
                    time.sleep(0.5)
                assert run.status == RunStatus.SUCCESS, (run.status, run.errors)
                assert run.findings_created == 0 and run.findings_closed == 0 and run.rules_done == run.rules_total
                assert dict(Finding.objects.values_list("id", "status")) == before
                summary = findings_summary()
                assert TARGET * Decimal("0.85") <= summary["potential_monthly_savings"] <= TARGET * Decimal("1.15")
                for category in (Category.RIGHTSIZING, Category.CLEANUP, Category.STORAGE):
                    assert summary["open_by_category"][category] >= 1, category
                assert Finding.objects.filter(status=Status.VERIFIED, realized_monthly_savings__gt=0).exists()
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
