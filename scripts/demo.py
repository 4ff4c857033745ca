"""`make demo`: database (embedded when DATABASE_URL is unset), migrations, demo data, web + worker.

Run with the project's virtualenv python from the repository root.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = os.environ.get("PORT", "8000")
DB_NAME = "infrazen"


def embedded_database_url() -> str:
    """Start (or reuse) a PostgreSQL bundled by the `pgserver` wheel, data under instance/pgdata."""
    import pgserver

    pgdata = ROOT / "instance" / "pgdata"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(pgdata), cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DB_NAME};")
    socket_dir = server.get_postmaster_info().socket_dir
    # django-environ does not decode %2F in socket paths: pass the directory as ?host=.
    embedded_database_url.server = server  # keep a reference: the server stops when it is collected
    return f"postgres://postgres@/{DB_NAME}?host={socket_dir}"


def ensure_database(url: str) -> None:
    """Create the database of DATABASE_URL when the server has none of that name (a new user's first run)."""
    import environ
    import psycopg
    from psycopg import sql

    config = environ.Env.db_url_config(url)
    params = {"dbname": "postgres", "user": config.get("USER") or None, "password": config.get("PASSWORD") or None,
              "host": config.get("HOST") or (config.get("OPTIONS") or {}).get("host") or None,
              "port": config.get("PORT") or None}
    name = config["NAME"]
    try:
        with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True, connect_timeout=10) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"Created the database {name!r}.")
    except psycopg.Error as exc:
        raise SystemExit(f"The PostgreSQL server of DATABASE_URL cannot be used: {exc.__class__.__name__}. "
                         "Check that it runs and that the user may create databases.") from None


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def demo_env() -> dict:
    """The environment every demo process gets: DATABASE_URL, or the embedded server when it is unset."""
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "infrazen.settings.local")
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = embedded_database_url()
        print(f"Embedded PostgreSQL is running (data in {ROOT / 'instance' / 'pgdata'}).")
    else:
        print("Using the PostgreSQL server from DATABASE_URL.")
        ensure_database(env["DATABASE_URL"])
    return env


def manage_on_demo_database(args: list[str]) -> int:
    """`scripts/demo.py manage <command>` (`make superuser`): manage.py against the demo's database."""
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=demo_env(), check=False).returncode


def main() -> int:
    if sys.argv[1:2] == ["manage"]:
        return manage_on_demo_database(sys.argv[2:])
    env = demo_env()
    manage("compile_translations", env=env)
    manage("migrate_platform", "--verbosity", "0", env=env)
    # The fake cloud first: seed_demo syncs the demo-client's Beget connection against it. In demo mode it serves
    # the estate seed_demo shows, so syncing a demo connection changes nothing visible.
    fakecloud = subprocess.Popen([sys.executable, "-m", "tests.fakecloud", "--port", "8765", "--demo"], cwd=ROOT,
                                 env=env)
    try:
        wait_for_port(8765)
        manage("seed_demo", env=env)
    except BaseException:
        fakecloud.terminate()
        raise
    processes = [
        fakecloud,
        subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env),
        subprocess.Popen([sys.executable, "manage.py", "runserver", f"0.0.0.0:{PORT}", "--noreload"], cwd=ROOT,
                         env=env),
    ]
    password = env.get("DEMO_PASSWORD", "infrazen-demo")
    time.sleep(2)
    print(
        "\n"
        "  InfraZen is running.\n"
        f"  Organization: http://demo.localhost:{PORT}/   (login demo@infrazen.ru / {password})\n"
        f"  MSP console:  http://localhost:{PORT}/orgs/   (login msp@infrazen.ru / {password})\n"
        f"  API docs:     http://demo.localhost:{PORT}/api/docs/\n"
        "  Press Ctrl+C to stop.\n",
        flush=True,
    )
    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping and all(p.poll() is None for p in processes):
            time.sleep(0.5)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
