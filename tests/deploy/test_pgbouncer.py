"""PgBouncer in front of InfraZen's database: which pool mode keeps organizations apart.

django-tenants sets the schema with a `SET search_path` of its own each time Django opens a cursor; in autocommit
that SET and the query after it are two transactions. A real PgBouncer (the Debian package, ``make pgbouncer``)
runs in front of the test PostgreSQL, and real django-tenants connections of two organizations, each with a marker
row in its own schema, read through it. Session pooling is the supported mode (docs/scaling-pgbouncer.md).
"""

from __future__ import annotations

import contextlib
import copy
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.core.checks import run_checks
from django.db import connection
from django.test import override_settings
from django_tenants.postgresql_backend.base import DatabaseWrapper

from tests.processes import free_port, output_on_failure, stop_process, wait_for_port

PGBOUNCER = shutil.which("pgbouncer") or next(
    (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.access(p, os.X_OK)), None
)
needs_pgbouncer = pytest.mark.skipif(PGBOUNCER is None, reason="pgbouncer is not installed (make pgbouncer)")

SCHEMAS = ("pgb_tenant_a", "pgb_tenant_b")
ITERATIONS = 400
# A client closes its connection after this many queries, as a web request does with CONN_MAX_AGE=0.
QUERIES_PER_REQUEST = 10


def unprivileged_user() -> str:
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name).pw_name
    raise RuntimeError("no unprivileged user for pgbouncer")


@contextlib.contextmanager
def pgbouncer(pool_mode: str, *, pool_size: int = 1) -> Iterator[int]:
    """A PgBouncer on a free port in front of the test PostgreSQL; yields the port."""
    settings = connection.settings_dict
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="pgbouncer-") as directory:
        folder = Path(directory)
        user = settings.get("USER") or "postgres"
        password = settings.get("PASSWORD") or ""
        (folder / "userlist.txt").write_text(f'"{user}" "{password}"\n')
        run_as = f"user = {unprivileged_user()}\n" if os.geteuid() == 0 else ""  # PgBouncer refuses to run as root
        (folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={settings.get('HOST') or '127.0.0.1'} port={settings.get('PORT') or 5432}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {folder / 'userlist.txt'}\n{run_as}"
            f"pool_mode = {pool_mode}\ndefault_pool_size = {pool_size}\nmax_client_conn = 20\n"
            "server_reset_query = DISCARD ALL\n"
        )
        for path in (folder, *folder.iterdir()):
            path.chmod(0o755 if path.is_dir() else 0o644)
        with open(folder / "output.log", "w+") as log:
            process = subprocess.Popen([PGBOUNCER, str(folder / "pgbouncer.ini")], stdout=log, stderr=subprocess.STDOUT)
            try:
                with output_on_failure(log, "pgbouncer"):
                    wait_for_port(port, process)
                    yield port
            finally:
                stop_process(process)


@pytest.fixture
def marker_schemas(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Two organizations' schemas in the test database, each with one row naming its schema (committed, so other
    connections see them)."""
    with django_db_blocker.unblock():
        settings = connection.settings_dict
        dsn = dict(
            host=settings.get("HOST") or "127.0.0.1",
            port=settings.get("PORT") or 5432,
            user=settings.get("USER") or "postgres",
            password=settings.get("PASSWORD") or None,
            dbname=settings["NAME"],
        )
        with psycopg.connect(**dsn, autocommit=True) as admin:
            for schema in SCHEMAS:
                admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                admin.execute(f"CREATE SCHEMA {schema}")
                admin.execute(f"CREATE TABLE {schema}.pgb_marker (name text NOT NULL)")
                admin.execute(f"INSERT INTO {schema}.pgb_marker VALUES (%s)", [schema])
        try:
            yield
        finally:
            with psycopg.connect(**dsn, autocommit=True) as admin:
                for schema in SCHEMAS:
                    admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def tenant_connection(port: int) -> DatabaseWrapper:
    """InfraZen's database connection (django-tenants' backend, autocommit) through PgBouncer on ``port``."""
    settings = copy.deepcopy(connection.settings_dict)
    settings.update(HOST="127.0.0.1", PORT=str(port), CONN_MAX_AGE=0)
    return DatabaseWrapper(settings, alias=f"pgbouncer_{port}")


def read_marker(db: DatabaseWrapper, schema: str) -> tuple[str, int]:
    """What the code of organization ``schema`` reads: the marker row, and the server process that answered."""
    db.set_schema(schema)
    with db.cursor() as cursor:  # django-tenants runs `SET search_path` here, as a statement of its own
        cursor.execute("SELECT name, pg_backend_pid() FROM pgb_marker")
        return cursor.fetchone()


def interleave(port: int, iterations: int = ITERATIONS) -> dict[str, list[tuple[str, int]]]:
    """Two organizations' clients, one thread each, read their marker ``iterations`` times at once; each closes and
    reopens its connection every QUERIES_PER_REQUEST reads. Returns what each one read."""
    seen: dict[str, list[tuple[str, int]]] = {schema: [] for schema in SCHEMAS}
    errors: list[BaseException] = []
    start = threading.Barrier(len(SCHEMAS))

    def client(schema: str) -> None:
        db = tenant_connection(port)  # created in its thread: Django connections belong to one thread
        try:
            start.wait(timeout=30)
            for i in range(iterations):
                seen[schema].append(read_marker(db, schema))
                if (i + 1) % QUERIES_PER_REQUEST == 0:
                    db.close()
        except BaseException as error:  # noqa: BLE001  (re-raised in the main thread)
            errors.append(error)
        finally:
            db.close()

    threads = [threading.Thread(target=client, args=(schema,)) for schema in SCHEMAS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not errors, errors
    assert all(len(reads) == iterations for reads in seen.values()), "a client did not finish"
    return seen


@needs_pgbouncer
@pytest.mark.timeout(180)
def test_session_pooling_keeps_each_organization_on_its_own_schema_under_interleaving(
    marker_schemas, django_db_blocker
):
    # One server connection for both organizations: it passes from one to the other at every "request".
    with django_db_blocker.unblock(), pgbouncer("session", pool_size=1) as port:
        seen = interleave(port)

    leaks = {schema: sum(name != schema for name, _ in reads) for schema, reads in seen.items()}
    assert leaks == {schema: 0 for schema in SCHEMAS}
    servers = {schema: {pid for _, pid in reads} for schema, reads in seen.items()}
    assert servers[SCHEMAS[0]] == servers[SCHEMAS[1]], "the organizations did not share the pooled server connection"
    assert len(servers[SCHEMAS[0]]) == 1


@needs_pgbouncer
@pytest.mark.timeout(60)
def test_transaction_pooling_runs_a_query_with_the_other_organizations_search_path(marker_schemas, django_db_blocker):
    """Why session pooling is required: in transaction mode the SET and the query are separate transactions, so the
    query runs wherever PgBouncer puts it. Deterministic: one server connection, the steps in a fixed order."""
    with django_db_blocker.unblock(), pgbouncer("transaction", pool_size=1) as port:
        alpha, beta = tenant_connection(port), tenant_connection(port)
        try:
            alpha.set_schema(SCHEMAS[0])
            beta.set_schema(SCHEMAS[1])
            with alpha.cursor() as alpha_cursor:  # SET search_path = pgb_tenant_a, public
                with beta.cursor():  # SET search_path = pgb_tenant_b, public, on the same server connection
                    pass
                alpha_cursor.execute("SELECT name FROM pgb_marker")
                assert alpha_cursor.fetchone()[0] == SCHEMAS[1]  # the other organization's row
        finally:
            alpha.close()
            beta.close()

    # The same steps through a session pool of two: each client keeps its own server connection.
    with django_db_blocker.unblock(), pgbouncer("session", pool_size=2) as port:
        alpha, beta = tenant_connection(port), tenant_connection(port)
        try:
            alpha.set_schema(SCHEMAS[0])
            beta.set_schema(SCHEMAS[1])
            with alpha.cursor() as alpha_cursor:
                with beta.cursor():
                    pass
                alpha_cursor.execute("SELECT name FROM pgb_marker")
                assert alpha_cursor.fetchone()[0] == SCHEMAS[0]
        finally:
            alpha.close()
            beta.close()


def test_the_system_check_refuses_transaction_pooling():
    with override_settings(DATABASE_POOL_MODE="transaction"):
        errors = [message for message in run_checks() if message.id == "infrazen.E002"]
    assert len(errors) == 1
    assert errors[0].is_serious()
    assert "session" in errors[0].hint


def test_the_system_check_accepts_session_pooling():
    with override_settings(DATABASE_POOL_MODE="session"):
        assert [message for message in run_checks() if message.id == "infrazen.E002"] == []
