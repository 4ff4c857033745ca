"""Queueing tenant tasks: nothing leaves before the transaction commits, and every argument reaches the task."""

from __future__ import annotations

from django.db import connection
from django_q.models import OrmQ
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.common.tasks import enqueue_in_tenant, run_in_tenant


def record_kwargs(**kwargs) -> None:
    AuditEvent.objects.create(action="task.kwargs", target=connection.schema_name, data=kwargs)


def test_run_in_tenant_enters_the_schema_and_passes_keywords_named_like_its_own(w):
    run_in_tenant(w.alpha.schema_name, f"{__name__}.record_kwargs", schema_name="x", func_path="y")
    with schema_context(w.alpha.schema_name):
        event = AuditEvent.objects.get(action="task.kwargs")
    assert event.target == w.alpha.schema_name
    assert event.data == {"schema_name": "x", "func_path": "y"}
    with schema_context(w.beta.schema_name):
        assert not AuditEvent.objects.filter(action="task.kwargs").exists()


def test_enqueue_waits_for_the_commit(w, django_capture_on_commit_callbacks):
    before = OrmQ.objects.count()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_in_tenant(w.alpha.schema_name, f"{__name__}.record_kwargs", a=1)
        assert OrmQ.objects.count() == before
    assert len(callbacks) == 1
    assert OrmQ.objects.count() == before


def test_queued_task_keeps_keywords_that_django_q_would_take_for_options(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_in_tenant(
            w.beta.schema_name, f"{__name__}.record_kwargs", schema_name="s", group="g", timeout=5, hook="h", save=False
        )
    queued = OrmQ.objects.order_by("-id").first().task
    assert "group" not in queued and "timeout" not in queued and "hook" not in queued

    from django.utils.module_loading import import_string

    import_string(queued["func"])(*queued["args"], **queued["kwargs"])  # what the worker does
    with schema_context(w.beta.schema_name):
        event = AuditEvent.objects.get(action="task.kwargs")
    assert event.target == w.beta.schema_name
    assert event.data == {"schema_name": "s", "group": "g", "timeout": 5, "hook": "h", "save": False}
