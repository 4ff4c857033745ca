"""Several processes sharing one Redis, as on several machines: two django-q2 clusters take tasks from one queue
(each task runs once, both do work), and two gunicorn servers of two workers each share login lockout counters and
sessions (whichever process answers).

Redis db 11 (the broker) and db 12 (the web processes' cache) belong to this module: no other test uses them. Each
test flushes its own db before and after (never FLUSHALL). No ``db`` fixture: the other processes read and write the
test database, so what they need (the personas of ``world``) is committed.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings
from django.utils.html import escape
from django.utils.translation import gettext, override
from django_q.models import Task
from django_q.signing import SignedPackage

from tests.conftest import BASE, PASSWORD
from tests.deploy.tasks import RAN_KEY
from tests.processes import free_port, manage_process, python_process, wait_for_port

QUEUE_REDIS_URL = "redis://127.0.0.1:6379/11"
WEB_REDIS_URL = "redis://127.0.0.1:6379/12"
TASKS = 30
TASK_PATH = "tests.deploy.tasks.record_run"
ENQUEUE = f"from django_q.tasks import async_task\nfor n in range({TASKS}): async_task({TASK_PATH!r}, n)"


@contextlib.contextmanager
def flushed(url: str) -> Iterator[redis.Redis]:
    """This module's Redis db, empty before and after."""
    connection = redis.Redis.from_url(url)
    connection.flushdb()
    try:
        yield connection
    finally:
        connection.flushdb()
        connection.close()


def wait_until(done, processes, *, seconds: float, what: str) -> None:
    """Poll ``done()`` until it is true; every process must stay up meanwhile."""
    deadline = time.monotonic() + seconds
    while not done():
        for process in processes:
            assert process.poll() is None, f"a process exited early while waiting for {what}"
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)


def _show_logs(paths: list[Path]) -> str:
    return "\n".join(f"--- {path.name} ---\n{path.read_text()}" for path in paths)


# --- Jobs: two clusters, one queue ------------------------------------------------------------------------------


def _clusters_pulling(store: redis.Redis) -> int:
    """Clusters whose status record (each cluster keeps one fresh in the broker's Redis) names a running pusher,
    the process that takes tasks off the queue."""
    keys = store.keys("django_q:*:cluster:*")
    stats = [SignedPackage.loads(value) for value in (store.mget(keys) if keys else []) if value]
    return sum(1 for stat in stats if stat.pusher and stat.workers)


@pytest.mark.worker
@pytest.mark.timeout(240)
def test_two_clusters_sharing_one_redis_run_every_task_exactly_once_and_both_take_work(
    world, django_db_blocker, tmp_path
):
    queue_env = {"REDIS_URL": QUEUE_REDIS_URL, "Q_WORKERS": "1", "LOG_LEVEL": "INFO", "CACHE_URL": None}
    logs = [tmp_path / "cluster-a.log", tmp_path / "cluster-b.log"]
    with flushed(QUEUE_REDIS_URL) as store, contextlib.ExitStack() as stack:
        with django_db_blocker.unblock():
            Task.objects.filter(func=TASK_PATH).delete()
        clusters = []
        for name, path in zip(("a", "b"), logs, strict=True):
            log = stack.enter_context(path.open("w"))
            clusters.append(
                stack.enter_context(
                    manage_process("qcluster", env={**queue_env, "DEPLOY_TEST_CLUSTER": name}, output=log)
                )
            )
        try:
            # Both clusters listen before the first task is queued: one cannot take them all while the other starts.
            wait_until(lambda: _clusters_pulling(store) >= 2, clusters, seconds=90, what="both clusters to run")
            with (
                (tmp_path / "enqueue.log").open("w") as log,
                manage_process("shell", "-c", ENQUEUE, env=queue_env, output=log) as enqueuer,
            ):
                assert enqueuer.wait(timeout=60) == 0, (tmp_path / "enqueue.log").read_text()

            def all_saved() -> bool:
                with django_db_blocker.unblock():
                    return Task.objects.filter(func=TASK_PATH, success=True).count() >= TASKS

            wait_until(all_saved, clusters, seconds=120, what=f"{TASKS} tasks to finish")
            runs = [item.decode().split(":") for item in store.lrange(RAN_KEY, 0, -1)]
        except BaseException:
            print(_show_logs(logs))
            raise

    numbers = sorted(int(number) for number, _cluster, _pid in runs)
    assert numbers == list(range(TASKS)), "a task ran twice or never"
    by_cluster = {cluster: {int(number) for number, c, _pid in runs if c == cluster} for cluster in ("a", "b")}
    assert by_cluster["a"] and by_cluster["b"], f"one cluster did all the work: {by_cluster}"
    worker_pids = {pid for _number, _cluster, pid in runs}
    assert len(worker_pids) >= 2
    with django_db_blocker.unblock():
        assert Task.objects.filter(func=TASK_PATH).count() == TASKS
        Task.objects.filter(func=TASK_PATH).delete()


# --- Web: two servers, shared lockout counters and sessions ---------------------------------------------------

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _login_failed_key_limit() -> int:
    """The per-account limit of ``ACCOUNT_RATE_LIMITS["login_failed"]`` ("10/15m/ip,5/15m/key" -> 5)."""
    rules = settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",")
    return next(int(rule.split("/")[0]) for rule in rules if rule.endswith("/key"))


class Server:
    """One gunicorn server (a master and its workers) reached at 127.0.0.1:<port> with a chosen Host header."""

    def __init__(self, port: int, access_log: Path):
        self.port = port
        self.access_log = access_log

    def get(self, browser: requests.Session, host: str, path: str, cookie: str = "") -> requests.Response:
        headers = {"Host": host, **({"Cookie": cookie} if cookie else {})}
        return browser.get(f"http://127.0.0.1:{self.port}{path}", headers=headers, allow_redirects=False, timeout=60)

    def post_form(self, browser: requests.Session, host: str, path: str, data: dict) -> requests.Response:
        """GET the page for its CSRF token, then POST the form with it."""
        page = self.get(browser, host, path)
        assert page.status_code == 200, page.status_code
        token = CSRF_FIELD.search(page.text).group(1)
        return browser.post(
            f"http://127.0.0.1:{self.port}{path}",
            headers={"Host": host},
            data={"csrfmiddlewaretoken": token, **data},
            allow_redirects=False,
            timeout=60,
        )

    def pids_of(self, method_and_path: str) -> set[str]:
        return {line.split()[0] for line in self.access_log.read_text().splitlines() if method_and_path in line}


@pytest.fixture
def two_web_servers(world, tmp_path) -> Iterator[list[Server]]:
    """Two gunicorn servers of two workers each, like two machines behind a reverse proxy, with one Redis db (12)
    for their cache (REDIS_URL alone: the cache and the sessions settings derive from it)."""
    web_env = {"REDIS_URL": WEB_REDIS_URL, "TEST_SHARED_CACHE": "true", "CACHE_URL": None}
    with flushed(WEB_REDIS_URL), contextlib.ExitStack() as stack:
        servers, processes, logs = [], [], []
        for name in ("a", "b"):
            port = free_port()
            access_log = tmp_path / f"access-{name}.log"
            log_path = tmp_path / f"gunicorn-{name}.log"
            logs.append(log_path)
            process = stack.enter_context(
                python_process(
                    "-m",
                    "gunicorn",
                    "infrazen.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    "--access-logfile",
                    str(access_log),
                    "--access-logformat",
                    '%(p)s "%(r)s" %(s)s',
                    env=web_env,
                    output=stack.enter_context(log_path.open("w")),
                )
            )
            processes.append(process)
            servers.append(Server(port, access_log))
        try:
            for server, process in zip(servers, processes, strict=True):
                wait_for_port(server.port, process, timeout=60)
            yield servers
        except BaseException:
            print(_show_logs(logs))
            raise


@pytest.mark.timeout(240)
def test_web_processes_share_lockout_counters_and_sessions_through_redis(world, two_web_servers):
    servers = two_web_servers
    limit = _login_failed_key_limit()
    with override("ru"):
        wrong_password = escape(gettext("The email address and/or password you specified are not correct."))
        locked_out = escape(gettext("Too many failed login attempts. Try again later."))

    # Wrong passwords for one account, alternately on each server: every one of them counts.
    public = BASE
    attacker = requests.Session()
    for attempt in range(limit):
        answer = servers[attempt % 2].post_form(
            attacker, public, "/accounts/login/", {"login": world.vera.email, "password": "not-the-password"}
        )
        assert answer.status_code == 200
        assert wrong_password in answer.text, f"attempt {attempt + 1}"
        assert locked_out not in answer.text, f"attempt {attempt + 1} was refused before the limit"
    # The next attempt, even with the right password and on the other server, is refused.
    answer = servers[limit % 2].post_form(
        attacker, public, "/accounts/login/", {"login": world.vera.email, "password": PASSWORD}
    )
    assert answer.status_code == 200
    assert locked_out in answer.text
    assert "sessionid" not in answer.cookies
    # Both servers counted into the same counter: the other one refuses too.
    answer = servers[(limit + 1) % 2].post_form(
        attacker, public, "/accounts/login/", {"login": world.vera.email, "password": PASSWORD}
    )
    assert locked_out in answer.text
    login_posts = servers[0].pids_of('"POST /accounts/login/') | servers[1].pids_of('"POST /accounts/login/')
    assert len(login_posts) >= 2, "every attempt was answered by one process"

    # A session made on one server is valid on the other, and a logout on that one ends it on the first.
    beta = f"{world.beta.slug}.{BASE}"
    bob = requests.Session()
    answer = servers[0].post_form(bob, beta, "/accounts/login/", {"login": world.bob.email, "password": PASSWORD})
    assert answer.status_code == 302, answer.text
    assert "sessionid" in answer.cookies
    assert servers[1].get(requests.Session(), beta, "/").status_code == 302  # a stranger is sent to log in
    assert servers[1].get(bob, beta, "/").status_code == 200
    assert servers[0].get(bob, beta, "/").status_code == 200
    keys = redis.Redis.from_url(WEB_REDIS_URL).keys()
    assert any(b"cached_db" in key for key in keys), keys  # sessions are read from Redis
    session_key = bob.cookies["sessionid"]
    answer = servers[1].post_form(bob, beta, "/accounts/logout/", {})
    assert answer.status_code == 302
    # The old cookie, sent again to the first server, no longer opens anything.
    after_logout = servers[0].get(requests.Session(), beta, "/", cookie=f"sessionid={session_key}")
    assert after_logout.status_code == 302
    assert "/accounts/login/" in after_logout.headers["Location"]
