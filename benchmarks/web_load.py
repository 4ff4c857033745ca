"""Web throughput under load: gunicorn with the production settings, 50 concurrent clients.

Creates a scratch database (default ``infrazen_bench_webload``) on the server of DATABASE_URL, migrates it and
seeds the demo (``seed_demo``), starts gunicorn (``--workers 4``) with ``infrazen.settings.production`` and a
Redis cache (``CACHE_URL``, default ``redis://127.0.0.1:6379/11``, flushed first), logs in as the demo owner on
the demo organization's host and then, for each target in turn, runs ``--clients`` threads (one HTTP session
each, no think time) for ``--duration`` seconds:

  (a) baseline  ``/settings/organization/``: an authenticated page of the base layout with no organization data
  (b) dashboard ``/``: the demo organization's dashboard (30 days)
  (c) summary   ``/api/v1/costs/summary/?period=30d``: the costs summary API

It prints requests/s, p50/p95/p99 and errors (anything but a 200) for each, one client's p50, and the ratios
b/a and c/a (goals: dashboard >= 0.5 of the baseline, summary API >= 0.7, zero errors). ``--rounds N`` splits
each target's time into N slices run a, b, c, a, b, c, ... so a machine whose load drifts skews the ratios
less. ``--no-org-cache`` measures without the per-organization cache of figures (``apps.common.cache``).
Requests go to 127.0.0.1 with the organization's ``Host`` and ``X-Forwarded-Proto: https``, as behind
the TLS proxy production runs behind (secure cookies, HTTPS redirect and CSRF origin checks stay on).

    .venv/bin/python benchmarks/web_load.py [--duration 60] [--clients 50] [--workers 4] [--rounds 6]
                                            [--no-org-cache] [--keep] [--reuse]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scratch import scratch_database  # noqa: E402 -- after the path is set

TARGETS = (
    ("a", "baseline", "/settings/organization/"),
    ("b", "dashboard", "/"),
    ("c", "summary API", "/api/v1/costs/summary/?period=30d"),
)
GOALS = {"b": 0.5, "c": 0.7}
# Credentials are encrypted with a key derived from SECRET_KEY: the seeding process and gunicorn share it.
SECRET_KEY = "web-load-benchmark-secret-key-not-for-production-use-0123456789"


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add_error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class Client:
    """What every load thread sends: the session cookie and the headers a TLS proxy adds."""

    def __init__(self, base: str, host: str):
        self.base = base
        self.host = host
        self.cookie = ""

    def headers(self, **extra: str) -> dict[str, str]:
        headers = {"Host": self.host, "X-Forwarded-Proto": "https", "Accept-Language": "ru"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        headers.update(extra)
        return headers

    def get(self, session: requests.Session, path: str, **kwargs) -> requests.Response:
        return session.get(self.base + path, headers=self.headers(), allow_redirects=False, timeout=60, **kwargs)

    def login(self, email: str, password: str) -> None:
        """allauth's login form, the way a browser posts it (the cookies are Secure: sent by hand over http)."""
        with requests.Session() as session:
            page = self.get(session, "/accounts/login/")
            page.raise_for_status()
            csrf_cookie = _cookies(page)["csrftoken"]
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            self.cookie = f"csrftoken={csrf_cookie}"
            answer = session.post(
                self.base + "/accounts/login/",
                data={"login": email, "password": password, "csrfmiddlewaretoken": token},
                headers=self.headers(Origin=f"https://{self.host}", Referer=f"https://{self.host}/accounts/login/"),
                allow_redirects=False,
                timeout=60,
            )
            cookies = _cookies(answer)
            if answer.status_code != 302 or "sessionid" not in cookies:
                raise SystemExit(f"login failed: HTTP {answer.status_code}")
            self.cookie = f"csrftoken={cookies.get('csrftoken', csrf_cookie)}; sessionid={cookies['sessionid']}"


def _cookies(response: requests.Response) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.raw.headers.getlist("Set-Cookie"):
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def check(client: Client, path: str) -> None:
    with requests.Session() as session:
        response = client.get(session, path)
    if response.status_code != 200:
        raise SystemExit(f"{path}: HTTP {response.status_code} {response.headers.get('Location', '')}")


def load(client: Client, path: str, *, clients: int, seconds: float, tally: Tally | None) -> None:
    """``clients`` threads request ``path`` back to back for ``seconds``; ``tally=None`` is a warm-up."""
    deadline = time.monotonic() + seconds
    lock = threading.Lock()

    def worker() -> None:
        latencies, errors = [], []
        with requests.Session() as session:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    response = client.get(session, path)
                    response.content  # noqa: B018 -- read the whole body
                    outcome = None if response.status_code == 200 else f"HTTP {response.status_code}"
                except requests.RequestException as exc:
                    outcome = exc.__class__.__name__
                elapsed = time.perf_counter() - started
                if outcome is None:
                    latencies.append(elapsed)
                else:
                    errors.append(outcome)
        if tally is not None:
            with lock:
                tally.latencies += latencies
                for kind in errors:
                    tally.add_error(kind)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if tally is not None:
        tally.seconds += time.monotonic() - started


def single_client_p50(client: Client, path: str, runs: int = 20) -> float:
    times = []
    with requests.Session() as session:
        for _ in range(runs):
            started = time.perf_counter()
            client.get(session, path).content  # noqa: B018
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def wait_until_up(client: Client, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {process.returncode}")
        try:
            with requests.Session() as session:
                client.get(session, "/accounts/login/")
            return
        except requests.ConnectionError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load per target")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--rounds", type=int, default=6, help="slices per target, interleaved a, b, c, a, ...")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of unmeasured load per target first")
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument("--cache-url", default=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/11"))
    parser.add_argument(
        "--no-org-cache", action="store_true", help="ORGANIZATION_CACHE_SECONDS=0: every request computes its figures"
    )
    parser.add_argument("--database", default="infrazen_bench_webload")
    parser.add_argument("--keep", action="store_true", help="keep the database (for --reuse)")
    parser.add_argument("--reuse", action="store_true", help="skip migrating and seeding: use a kept database")
    args = parser.parse_args()
    args.keep = args.keep or args.reuse

    with scratch_database(
        args.database,
        keep=args.keep,
        reuse=args.reuse,
        env={"CURRENCY_FETCH_MISSING": "false", "SECRET_KEY": SECRET_KEY},
    ):
        _run(args)


def _run(args) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from apps.demo.services import DEMO_OWNER
    from apps.tenants.models import Organization

    if not args.reuse:
        t0 = time.perf_counter()
        call_command("migrate_platform", verbosity=0)
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"database : {args.database} migrated and seeded in {time.perf_counter() - t0:.1f} s")
    host = Organization.objects.get(slug="demo").primary_host
    password = settings.DEMO_PASSWORD
    database_url = os.environ["DATABASE_URL"]
    connections.close_all()

    import redis

    redis.Redis.from_url(args.cache_url).flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "infrazen.settings.production",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": f".{settings.BASE_DOMAIN},{settings.BASE_DOMAIN},127.0.0.1",
        "CACHE_URL": args.cache_url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "CURRENCY_FETCH_MISSING": "false",
    }
    if args.no_org_cache:
        env["ORGANIZATION_CACHE_SECONDS"] = "0"
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "infrazen.wsgi:application",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        client = Client(f"http://127.0.0.1:{args.port}", f"{host}:{args.port}")
        wait_until_up(client, process)
        client.login(DEMO_OWNER, password)
        for _key, _label, path in TARGETS:
            check(client, path)
        print(
            f"server   : gunicorn, {args.workers} workers, infrazen.settings.production, cache {args.cache_url}, "
            f"organization cache {'off' if args.no_org_cache else 'on'}"
        )
        print(
            f"load     : {args.clients} clients, {args.duration:g} s per target in {args.rounds} round(s), "
            f"host {host}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} before"
        )
        single = {key: single_client_p50(client, path) for key, _label, path in TARGETS}
        for _key, _label, path in TARGETS:
            load(client, path, clients=args.clients, seconds=args.warmup, tally=None)
        tallies = {key: Tally() for key, _label, _path in TARGETS}
        cpu_before, wall_before = time.process_time(), time.monotonic()
        for _ in range(args.rounds):
            for key, _label, path in TARGETS:
                load(client, path, clients=args.clients, seconds=args.duration / args.rounds, tally=tallies[key])
        client_cpu = (time.process_time() - cpu_before) / (time.monotonic() - wall_before)
        report(tallies, single)
        print(f"the load client itself used {client_cpu:.0%} of one CPU while measuring")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def report(tallies: dict[str, Tally], single: dict[str, float]) -> None:
    print(f"{'target':<24}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'1 client p50':>14}")
    rates = {}
    for key, label, path in TARGETS:
        tally = tallies[key]
        ms = [v * 1000 for v in tally.latencies]
        rates[key] = len(tally.latencies) / tally.seconds if tally.seconds else 0.0
        print(
            f"({key}) {label:<20}{rates[key]:>9.1f}{percentile(ms, 0.5):>9.0f}{percentile(ms, 0.95):>9.0f}"
            f"{percentile(ms, 0.99):>9.0f}{tally.errors:>8}{single[key] * 1000:>11.0f} ms   {path}"
        )
        for kind, count in sorted(tally.error_kinds.items()):
            print(f"      {count} x {kind}")
    for key, goal in GOALS.items():
        ratio = rates[key] / rates["a"] if rates["a"] else 0.0
        verdict = "ok" if ratio >= goal else "below goal"
        print(f"ratio {key}/a: {ratio:.2f} (goal >= {goal}: {verdict})")
    errors = sum(t.errors for t in tallies.values())
    print(f"errors: {errors} (goal 0: {'ok' if errors == 0 else 'FAILED'})")


if __name__ == "__main__":
    main()
