"""`make run`'s broker (kombu's filesystem transport) keeps the two queues apart, and the
Procfile's one worker consumes both."""

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from apps.procore_sync.queues import BULK, INTERACTIVE
from tests.celery_workers import filesystem_app

ROOT = Path(__file__).resolve().parents[2]
OUR_SERVICES = ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "REDIS_URL")

pytestmark = pytest.mark.slow


def procfile_worker() -> list[str]:
    line = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("worker:")
    )
    command = shlex.split(line.removeprefix("worker:"))
    assert command[0] == ".venv/bin/celery"
    return [sys.executable, "-m", "celery", *command[1:]]


def test_the_make_run_worker_receives_a_task_sent_to_each_queue(tmp_path):
    assert "-Q interactive,bulk" in (ROOT / "Procfile").read_text()
    env = {k: v for k, v in os.environ.items() if k not in OUR_SERVICES}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.local", "TRESTLE_RUN_DIR": str(tmp_path)}
    for folder in ("broker", "broker-processed", "broker-control", "celery-results"):
        (tmp_path / folder).mkdir()
    app = filesystem_app(tmp_path)
    results = {q: app.send_task("core.ping", args=[q], queue=q) for q in (INTERACTIVE, BULK)}
    waiting = sorted(name.rsplit(".", 2)[1] for name in os.listdir(tmp_path / "broker"))
    assert waiting == [BULK, INTERACTIVE]  # one message filed under each queue's name
    worker = subprocess.Popen(
        procfile_worker(),
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert {q: r.get(timeout=60) for q, r in results.items()} == {
            INTERACTIVE: INTERACTIVE,
            BULK: BULK,
        }
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # a warm shutdown can take long on a busy machine
        worker.wait(timeout=10)
    assert os.listdir(tmp_path / "broker") == []
