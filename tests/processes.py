"""Run real `manage.py` processes (web server, worker) against the test database."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """URL of the database pytest-django created (test_<name>), for child processes."""
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    host = s.get("HOST") or ""
    if host.startswith("/"):
        return f"postgres://{user}{password}@/{s['NAME']}?host={host}"
    return f"postgres://{user}{password}@{host or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def manage_process(*args: str, env: dict[str, str | None] | None = None, output: IO | None = None,
                   ) -> Iterator[subprocess.Popen]:
    """Start ``manage.py <args>`` with the test settings and database; stop it afterwards."""
    with python_process("manage.py", *args, env=env, output=output) as process:
        yield process


@contextlib.contextmanager
def python_process(*args: str, env: dict[str, str | None] | None = None, output: IO | None = None,
                   ) -> Iterator[subprocess.Popen]:
    """Start ``python <args>`` (``manage.py …``, ``-m gunicorn …``) in the project with the test settings and
    database; stop it afterwards. ``env``: more environment (None removes a variable). Its output goes to ``output``
    (a file) when given, else to a pipe."""
    child_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "infrazen.settings.test",
        "DATABASE_URL": test_database_url(),
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    child_env = {name: value for name, value in child_env.items() if value is not None}
    process = subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=child_env,
        stdout=output if output is not None else subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        yield process
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not exited within ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited early:\n{process.stdout.read() if process.stdout else ''}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {port} after {timeout} s")


@contextlib.contextmanager
def worker_process(env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """A real django-q2 worker (``manage.py qcluster``) on the test database; its output is printed when the block
    fails, and it is stopped (SIGTERM, then killed) afterwards. ``env``: more environment for the worker."""
    import tempfile

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "infrazen.settings.test", "DATABASE_URL": test_database_url(),
           "PYTHONUNBUFFERED": "1", **(env or {})}
    with tempfile.TemporaryFile(mode="w+") as log:
        worker = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT, text=True)
        try:
            with output_on_failure(log, "worker"):
                yield worker
        finally:
            stop_process(worker)


@contextlib.contextmanager
def output_on_failure(log, label: str) -> Iterator[None]:
    """Print what a child process wrote to ``log`` (a file opened w+) when the block fails."""
    try:
        yield
    except BaseException:
        log.seek(0)
        print(f"--- {label} output ---\n" + log.read())
        raise


def wait_for(done, worker: subprocess.Popen, *, seconds: float) -> None:
    """Poll ``done()`` every half second until it is true or ``seconds`` passed; the worker must stay up."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        assert worker.poll() is None, "the worker exited early"
        time.sleep(0.5)
