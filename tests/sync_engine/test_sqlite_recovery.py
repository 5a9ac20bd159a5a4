"""The embedded default is first-class: heartbeat, failure and recovery work on SQLite too."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUR_SERVICES = ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "REDIS_URL")

pytestmark = pytest.mark.slow


def test_heartbeat_failure_and_recovery_on_sqlite(tmp_path):
    environ = {k: v for k, v in os.environ.items() if k not in OUR_SERVICES}
    environ |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "TRESTLE_RUN_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "sync_engine" / "sqlite_recovery.py")],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["failed"] == ["failed", [["entities", "failed"]]]
    status, renewed = seen["heartbeat"]
    assert status == "succeeded" and renewed >= 0.6
    assert seen["recovery"] == [1, 0, "failed", "recovery", ["vendors"]]
    assert seen["resent"] == [1, True]
    assert (tmp_path / "trestle.sqlite3").exists()
