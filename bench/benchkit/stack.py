"""What a benchmark runs against: its own PostgreSQL database, a seeded sandbox, a real server.

`bench_stack()` creates the `trestle_bench` database, migrates and seeds it with the sandbox's
own management commands, raises the sandbox's rate limits out of the way, serves Trestle (and so
the sandbox) with gunicorn on a free loopback port, and points this process at the same
database and server. On the way out it stops that server and drops the database.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[2]
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
# Its own database and Redis database (rate budgets, cache, Celery broker); the environment may
# name others so that two benchmarks can run side by side.
DB_NAME = os.environ.get("BENCH_DB_NAME", "trestle_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
NO_LIMIT = 1_000_000_000  # requests per window: the sandbox never throttles a benchmark
SERVER_WORKERS = 2


@dataclass
class Stack:
    environ: dict[str, str]
    base_url: str  # the Trestle server; the sandbox is under /procore-sandbox
    run_dir: Path
    seed_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def database_url(self) -> str:
        return self.environ["DATABASE_URL"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_environ(port: int, run_dir: Path) -> dict[str, str]:
    """Settings for the server, the management commands and this process alike."""
    base = f"http://127.0.0.1:{port}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"{PG_SERVER}/{DB_NAME}",
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "DEBUG": "0",  # DEBUG keeps every SQL statement in memory: it would skew the meters
        "LOG_LEVEL": "WARNING",
        "TRESTLE_RUN_DIR": str(run_dir),
        "MEDIA_ROOT": str(run_dir / "media"),  # uploaded files (invoice PDFs) go with the run
        "PROCORE_SANDBOX_ENABLED": "1",
        "SITE_URL": base,
        "PROCORE_API_URL": f"{base}/procore-sandbox",
        "PROCORE_LOGIN_URL": f"{base}/procore-sandbox",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONPATH": str(ROOT),
    }


def _admin(sql: str) -> None:
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def manage(environ: dict[str, str], *args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def _clear_redis_keys() -> None:
    """The benchmarks' Redis database is their own: emptied, so nothing of an earlier run leaks
    in (rate budgets and circuit states of the same connection ids, cached Procore catalogs, Celery
    messages the server queued for a database that is gone, one per webhook it took)."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def _start_server(stack: Stack) -> subprocess.Popen:
    port = stack.base_url.rsplit(":", 1)[1]
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(SERVER_WORKERS), "--timeout", "300", "--log-level", "warning"]
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=stack.environ,
        stdout=subprocess.DEVNULL,
        stderr=open(stack.run_dir / "server.log", "w"),  # noqa: SIM115 - closed with the process
        start_new_session=True,  # its own process group: stopping it stops its workers
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {(stack.run_dir / 'server.log').read_text()}")
        # a worker still loading Django on a busy machine may not answer in time: ask again
        with contextlib.suppress(requests.ConnectionError, requests.Timeout):
            requests.get(f"{stack.base_url}/healthz", timeout=5)
            return server
        time.sleep(0.2)
    stop_group(server)
    raise RuntimeError("the sandbox server did not come up within 60 s")


def stop_group(process: subprocess.Popen, *, timeout: float = 15) -> None:
    """Stop a process started in its own group (and what it started): TERM, then KILL."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def psycopg_dsn() -> str:
    return os.environ["DATABASE_URL"]  # psycopg takes the postgres:// URL as it is


def api_url() -> str:
    return os.environ["PROCORE_API_URL"]


def django_setup() -> None:
    """Make this process use the stack's settings (call after `bench_stack` has set them)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def analyze() -> None:
    """Statistics as a database in service has them, so query plans are stable between phases."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def sandbox_backdate() -> None:
    """Every sandbox record made an hour ago: a later run's cursor (minus its 2-minute overlap)
    skips what was seeded, and sees only what a phase changes."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procore_sandbox_sandboxrecord SET created_at = created_at - interval '1 hour',"
            " updated_at = updated_at - interval '1 hour'"
        )


@contextlib.contextmanager
def bench_stack(*seed_args: str) -> Iterator[Stack]:
    run_dir = Path(tempfile.mkdtemp(prefix="trestle-bench-"))
    stack = Stack(bench_environ(_free_port(), run_dir), "", run_dir)
    stack.base_url = stack.environ["SITE_URL"]
    os.environ.update(stack.environ)
    server = None
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    _admin(f"CREATE DATABASE {DB_NAME}")
    try:
        _clear_redis_keys()
        manage(stack.environ, "migrate", "--noinput", "-v0")
        started = time.monotonic()
        stack.notes.append(manage(stack.environ, "procore_sandbox_seed", *seed_args).strip())
        stack.seed_seconds = time.monotonic() - started
        limits = (f"rate_limit_hourly={NO_LIMIT}", f"rate_limit_spike={NO_LIMIT}")
        manage(stack.environ, "procore_sandbox_faults", "--reset", *limits)
        server = _start_server(stack)
        yield stack
    finally:
        if server is not None:
            stop_group(server)
        if "django" in sys.modules and "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        _clear_redis_keys()
        shutil.rmtree(run_dir, ignore_errors=True)


def run_phase(bench: Stack, script: str, phase: str, state_file: Path, timeout: int) -> dict:
    """Run one phase of `script` in a fresh child process (so its peak memory is its own) and
    return the JSON it left next to `state_file`."""
    done = subprocess.run(
        [sys.executable, script, "--phase", phase, "--state", str(state_file)],
        env=bench.environ,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"phase {phase} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads((state_file.parent / f"{phase}.json").read_text())
