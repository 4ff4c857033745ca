"""A probe tenant app (label ``scale_probe``) whose migrations are written at run time into a temporary package,
so that one new migration can be applied to every organization schema: ``benchmarks/tenants_scale.py`` times it,
``tests/tenants/test_batch_migrate.py`` checks the batch executor with it. Installed by
``benchmarks.settings_scale`` when ``SCALE_PROBE_MIGRATIONS`` names the package."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MIGRATION = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = {dependencies}
    operations = [{operation}]
"""
CREATE_NOTE = (
    'migrations.CreateModel("Note", [("id", models.BigAutoField(primary_key=True)), '
    '("text", models.TextField(default=""))])'
)
TABLE = "scale_probe_note"


@contextmanager
def migrations_package() -> Iterator[Path]:
    """A temporary migrations package holding 0001 (the ``Note`` table); removed afterwards."""
    package = Path(tempfile.mkdtemp(prefix="infrazen-probe-")) / "scale_probe_migrations"
    package.mkdir()
    (package / "__init__.py").write_text("")
    write_migration(package, 1, CREATE_NOTE)
    try:
        yield package
    finally:
        shutil.rmtree(package.parent, ignore_errors=True)


def write_migration(package: Path, number: int, operation: str) -> None:
    """Migration ``<number>_step`` after the previous one, with one ``operation`` (Python source)."""
    dependencies = "[]" if number == 1 else f'[("scale_probe", "{number - 1:04d}_step")]'
    (package / f"{number:04d}_step.py").write_text(MIGRATION.format(dependencies=dependencies, operation=operation))


def add_field(name: str) -> str:
    return f'migrations.AddField("note", "{name}", models.IntegerField(null=True))'
