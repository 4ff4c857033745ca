"""``schemas_having``: which organizations hold a matching row, asked of all schemas at once from the public one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.common.tenancy import schemas_having
from apps.notifications.models import Alert, AlertStatus, Channel
from apps.notifications.services import alert_enqueue


def _alert(org, chat: str) -> None:
    with schema_context(org.schema_name):
        Channel.objects.create(kind="telegram", name=org.slug, chat_id=chat)
        alert_enqueue(kind="sync_failed", subject_type="connection", subject_id="1", dedup_key="sync:1",
                      title="Сбой синхронизации", text="Beget не ответил", link="")


def test_only_the_organizations_with_a_matching_row_are_named(w):
    _alert(w.beta, "200")
    _alert(w.gamma, "300")
    with schema_context(w.gamma.schema_name):
        Alert.objects.update(status=AlertStatus.SENT)
    connection.set_schema_to_public()
    world = [w.alpha.schema_name, w.beta.schema_name, w.gamma.schema_name]
    pending = Alert.objects.filter(status__in=[AlertStatus.QUEUED, AlertStatus.RETRYING])
    assert w.beta.schema_name in schemas_having(pending)  # every organization by default
    assert schemas_having(pending, world) == [w.beta.schema_name]
    assert schemas_having(Alert.objects.all(), world) == [w.beta.schema_name, w.gamma.schema_name]
    # A filter with a parameter of another type (a moment) and a narrower list of schemas.
    later = Alert.objects.filter(next_attempt_at__gt=timezone.now() + timedelta(days=1))
    assert schemas_having(later, world) == []
    assert schemas_having(Alert.objects.all(), [w.alpha.schema_name, w.gamma.schema_name]) == [w.gamma.schema_name]


def test_a_filter_across_a_join_is_refused(w):
    with pytest.raises(ValueError, match="alone"):
        schemas_having(Alert.objects.filter(channel__name="beta"))


def test_backups_warning_when_the_lock_table_is_smaller_than_the_schemas():
    from apps.common.checks import lock_table_warning

    assert lock_table_warning(6_400, 64, 100) is None
    warning = lock_table_warning(81_547, 64, 100)  # 1 005 organizations, PostgreSQL's defaults (measured)
    assert warning.id == "infrazen.W003" and "81547" in warning.msg and "6400" in warning.msg
    assert "max_locks_per_transaction to at least 1020" in warning.hint  # 81 547 x 1.25 / 100, rounded up


def test_backups_check_reads_the_server_settings_and_the_relations(w, monkeypatch):
    from apps.common import checks

    seen, original = {}, checks.lock_table_warning

    def spy(relations, locks_per_transaction, connections):
        seen.update(relations=relations, locks=locks_per_transaction, connections=connections)
        return original(relations, locks_per_transaction, connections)

    monkeypatch.setattr(checks, "lock_table_warning", spy)
    assert checks.check_lock_table_for_backups(databases=None) == []
    assert seen == {}  # without a database to look at, nothing is asked
    assert checks.check_lock_table_for_backups(databases=["default"]) == []  # a test database is small
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_locks_per_transaction")
        locks = int(cursor.fetchone()[0])
        cursor.execute("SELECT count(*) FROM pg_class WHERE relnamespace = %s::regnamespace AND relkind = 'r'",
                       [w.alpha.schema_name])
        alpha_tables = cursor.fetchone()[0]
    assert seen["locks"] == locks and seen["connections"] >= 100
    assert seen["relations"] > 3 * alpha_tables  # at least the tables of alpha, beta, gamma and the template
