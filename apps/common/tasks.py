"""Background work always runs inside one organization's schema."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string
from django_q.tasks import async_task
from django_tenants.utils import schema_context


def run_in_tenant(schema_name: str, func_path: str, /, *args: Any, **kwargs: Any) -> Any:
    """Worker entry point: enter ``schema_name``, then call the function at ``func_path``."""
    func = import_string(func_path)
    with schema_context(schema_name):
        return func(*args, **kwargs)


def run_in_tenant_queued(schema_name: str, func_path: str, args: list, kwargs: dict) -> Any:
    """What the queue runs: the task's arguments travel packed, so django-q never takes a task keyword
    (``schema_name``, ``group``, ``timeout``, ...) for its own option."""
    return run_in_tenant(schema_name, func_path, *args, **kwargs)


def enqueue_in_tenant(
    schema_name: str, func_path: str, /, *args: Any, task_name: str | None = None, **kwargs: Any
) -> None:
    """Queue ``func_path(*args, **kwargs)`` to run in ``schema_name`` once the current transaction commits."""

    def _enqueue() -> None:
        options = {"task_name": task_name} if task_name else {}
        async_task(
            "apps.common.tasks.run_in_tenant_queued",
            schema_name,
            func_path,
            list(args),
            dict(kwargs),
            q_options=options,
        )

    transaction.on_commit(_enqueue)
