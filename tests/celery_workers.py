"""Real Celery workers for the tests that need one: a subprocess on the test database, talking
to the live server's sandbox, in its own process group so a test can kill it whole."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from celery import Celery
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def start_worker(live_server, *options: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """`celery worker` of concurrency 1 with `options` (e.g. "-Q", "bulk") and `env` added."""
    database = settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url,  # the test database itself, as the live server sees it
        "PROCORE_API_URL": f"{live_server.url}/procore-sandbox",
        "PROCORE_LOGIN_URL": f"{live_server.url}/procore-sandbox",
        "SITE_URL": live_server.url,
        **(env or {}),
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "1"]
    command += ["--loglevel", "WARNING", *options]
    return subprocess.Popen(
        command, cwd=ROOT, env=environ, start_new_session=True, stdout=subprocess.DEVNULL
    )


def kill(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def wait_for(condition, seconds: float, what: str):
    """`condition()`'s first true value, polled every 50 ms; AssertionError after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def filesystem_app(run_dir: Path) -> Celery:
    """A sender as `make run`'s web process is one: same folders, same queues."""
    return Celery(
        broker="filesystem://",
        backend=f"file://{run_dir / 'celery-results'}",
        broker_transport_options={
            "data_folder_in": str(run_dir / "broker"),
            "data_folder_out": str(run_dir / "broker"),
            "processed_folder": str(run_dir / "broker-processed"),
            "control_folder": str(run_dir / "broker-control"),
        },
        task_queues=settings.CELERY_TASK_QUEUES,
        task_default_queue=settings.CELERY_TASK_DEFAULT_QUEUE,
    )
