"""Production settings: secure by `check --deploy`, and they refuse to start without secrets."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "kq7-Vd2#pLx9!mW4zR8@tY1^bN6&cJ3*hF5(gS0)aQ" * 2,
    "ALLOWED_HOSTS": "trestle.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/trestle",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "ENCRYPTION_KEYS": "9L1zq3HqJ6v3kq8Qf0m9pXHqkz8m1lWcM2Kq0oYk7bE=",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Test-only variables (e.g. DJANGO_ALLOW_ASYNC_UNSAFE for Playwright) stay out of "production".
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV and k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_no_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
