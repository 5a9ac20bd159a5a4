"""`make run` on its own: SQLite, a filesystem broker, web + worker + beat, stopped by Ctrl-C."""

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.celery_workers import filesystem_app

ROOT = Path(__file__).resolve().parents[2]
OUR_SERVICES = ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "REDIS_URL")
QUEUES = ("interactive", "bulk")

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(run_dir: Path, port: int, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in OUR_SERVICES}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["TRESTLE_RUN_DIR"] = str(run_dir)
    return subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_healthy(base: str, proc: subprocess.Popen, log: Path, seconds: int = 180) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            response = requests.get(f"{base}/healthz", timeout=2)
            if response.status_code == 200:
                return response.json()
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise AssertionError("make run never became healthy:\n" + log.read_text()[-3000:])


def log_in(base: str) -> str:
    session = requests.Session()
    session.get(f"{base}/accounts/login/", timeout=10)
    printed = {"username": "demo@trestle.local", "password": "trestle-demo"}
    response = session.post(
        f"{base}/accounts/login/",
        data={**printed, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        timeout=10,
    )
    return response.text


def ping_worker(run_dir: Path) -> list[str]:
    app = filesystem_app(run_dir)
    # `make run`'s worker consumes both queues (tests/foundation/test_filesystem_queues.py)
    return [app.send_task("core.ping", args=[q], queue=q).get(timeout=60) for q in QUEUES]


def stop(proc: subprocess.Popen) -> int:
    os.killpg(proc.pid, signal.SIGINT)
    code = proc.wait(timeout=60)
    time.sleep(1)
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)  # nothing it started is left running
    return code


def test_make_run_serves_trestle_with_a_live_worker_and_stops_cleanly(tmp_path):
    port, log = free_port(), tmp_path / "make-run.log"
    base = f"http://127.0.0.1:{port}"
    for _ in range(2):  # running it twice is safe
        proc = start(tmp_path / "run", port, log)
        try:
            assert wait_healthy(base, proc, log) == {
                "status": "ok",
                "database": "ok",
                "broker": "ok",
            }
            assert "Demo Construction Co." in log_in(base)
            assert ping_worker(tmp_path / "run") == list(QUEUES)
        finally:
            stop(proc)
        assert (tmp_path / "run" / "trestle.sqlite3").exists()
    printed = log.read_text()
    assert len(re.findall(r"Demo login: demo@trestle.local / trestle-demo", printed)) == 2
