"""Every path that queues a run works on both databases Trestle runs on: SQLite under
`make run` (where a JSON `contains` lookup once made payments queue nothing) and PostgreSQL."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .queueing_paths import queueing_paths

ROOT = Path(__file__).resolve().parents[2]
OUR_SERVICES = ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "REDIS_URL")
EXPECTED = {
    "payments": [["ap_payments", True]] * 3,  # recorded, edited, voided
    "failure": ["ap_payments", True, True],  # a failed run with the reason and the fix
    "retry": ["ap_payments", True],  # Retry failed sends exactly that payment
    "time_failure": [True, True],  # a failed run per office, whose retry sends those cards
    "api_retry": [202, 202, True, True, 2],  # the keyed API retry started one run (+ the one above)
    "scheduled": 2,  # the payments and entities switches are due
}


@pytest.mark.django_db(transaction=True)
def test_every_queueing_path_works_on_postgresql():
    assert queueing_paths() == EXPECTED


@pytest.mark.slow
def test_every_queueing_path_works_on_sqlite(tmp_path):
    environ = {k: v for k, v in os.environ.items() if k not in OUR_SERVICES}
    environ |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "TRESTLE_RUN_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "sync_engine" / "queueing_paths.py")],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == EXPECTED
