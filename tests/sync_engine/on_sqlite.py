"""Running a scenario script of this folder under `make run`'s settings: SQLite in a fresh run
folder, the filesystem broker, none of our PostgreSQL or Redis services."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUR_SERVICES = ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "REDIS_URL")


def run_on_sqlite(script: str, run_dir: Path) -> Any:
    """The JSON of the script's last line; the script's stderr tail if it fails."""
    environ = {k: v for k, v in os.environ.items() if k not in OUR_SERVICES}
    environ |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "TRESTLE_RUN_DIR": str(run_dir),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "sync_engine" / script)],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
