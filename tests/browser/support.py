"""Helpers shared by the browser tests: a web server + worker pair, and ORM work off Playwright's thread."""

from __future__ import annotations

import collections
import contextlib
import threading
from collections.abc import Iterator

from tests.processes import free_port, manage_process, wait_for_port


def drain(process) -> collections.deque:
    """Read a child's output continuously so a full pipe never blocks it; keep the tail for failures."""
    tail: collections.deque = collections.deque(maxlen=200)

    def pump():
        for line in process.stdout:
            tail.append(line)

    threading.Thread(target=pump, name="drain", daemon=True).start()
    return tail


@contextlib.contextmanager
def server_and_worker(env: dict[str, str]) -> Iterator[dict]:
    """A real web server and a real django-q2 worker on the test database, with ``env`` added."""
    port = free_port()
    with manage_process("runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading", env=env) as web:
        web_log = drain(web)
        wait_for_port(port, web)
        with manage_process("qcluster", env=env) as worker:
            worker_log = drain(worker)
            yield {
                "url": lambda slug=None, path="/": f"http://{slug + '.' if slug else ''}infrazen.test:{port}{path}",
                "logs": (web_log, worker_log),
            }


def in_own_thread(func, django_db_blocker) -> None:
    """Run ORM work on a fresh connection that is closed afterwards: Playwright's loop owns the test's
    thread, and the test's own connection must not gain a session that would outlive the database."""
    from django.db import connections

    failure: list[BaseException] = []

    def run():
        try:
            with django_db_blocker.unblock():
                func()
        except Exception as exc:  # noqa: BLE001 - re-raised in the test's thread
            failure.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="orm")
    thread.start()
    thread.join(timeout=60)
    if failure:
        raise failure[0]
