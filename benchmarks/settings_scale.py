"""Settings with a probe tenant app whose migrations live in a temporary package (``SCALE_PROBE_MIGRATIONS``), so
one new migration can be applied to every schema: ``benchmarks/tenants_scale.py`` times it and
``tests/tenants/test_batch_migrate.py`` checks the batch executor with it. Built on ``SCALE_PROBE_BASE_SETTINGS``
(default the local settings); no django-q scheduler (the benchmark queues the nightly work itself)."""

import importlib
import os
import sys

globals().update(
    {
        name: value
        for name, value in vars(
            importlib.import_module(os.environ.get("SCALE_PROBE_BASE_SETTINGS", "infrazen.settings.local"))
        ).items()
        if name.isupper()
    }
)

_migrations = os.environ.get("SCALE_PROBE_MIGRATIONS", "")
if _migrations:
    sys.path.insert(0, os.path.dirname(_migrations))
    TENANT_APPS = [*TENANT_APPS, "benchmarks.scale_probe"]  # noqa: F821 - from the base settings
    INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks.scale_probe"]  # noqa: F821
    MIGRATION_MODULES = {"scale_probe": os.path.basename(_migrations)}
Q_CLUSTER = {**Q_CLUSTER, "scheduler": False}  # noqa: F821
