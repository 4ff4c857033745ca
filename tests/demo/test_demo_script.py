"""`make superuser` runs manage.py against the same database `make demo` uses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_make_superuser_goes_through_the_demo_database_selection():
    makefile = (ROOT / "Makefile").read_text()
    target = makefile[makefile.index("\nsuperuser:"):].split("\n\n")[0]
    assert "$(PY) scripts/demo.py manage createsuperuser" in target
    assert "make superuser" in (ROOT / "README.md").read_text()
    assert "python manage.py createsuperuser" not in (ROOT / "README.md").read_text()


def test_demo_manage_runs_the_command_with_the_demo_database_url(monkeypatch):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import demo
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    calls = []
    monkeypatch.setattr(demo, "embedded_database_url", lambda: "postgres://postgres@/infrazen?host=/tmp/pg")

    def run(cmd, **kw):
        calls.append((cmd, kw))
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(sys, "argv", ["scripts/demo.py", "manage", "createsuperuser"])
    assert demo.main() == 0
    [(cmd, kw)] = calls
    assert cmd[1:] == ["manage.py", "createsuperuser"]
    assert kw["env"]["DATABASE_URL"] == "postgres://postgres@/infrazen?host=/tmp/pg"
