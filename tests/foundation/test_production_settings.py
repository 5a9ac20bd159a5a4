"""Production settings: secure by `check --deploy`, and they refuse to start without secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from apps.core.checks import check_production_secrets
from config.dev_secrets import DEV_ENCRYPTION_KEY, DEV_PROCORE_CLIENT_SECRET, DEV_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "kq7-Vd2#pLx9!mW4zR8@tY1^bN6&cJ3*hF5(gS0)aQ" * 2,
    "ALLOWED_HOSTS": "trestle.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/trestle",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "ENCRYPTION_KEYS": "9L1zq3HqJ6v3kq8Qf0m9pXHqkz8m1lWcM2Kq0oYk7bE=",
    "PROCORE_CLIENT_SECRET": "a-real-procore-client-secret",
}
DEV_VALUES = {
    "SECRET_KEY": DEV_SECRET_KEY,
    "ENCRYPTION_KEYS": DEV_ENCRYPTION_KEY,
    "PROCORE_CLIENT_SECRET": DEV_PROCORE_CLIENT_SECRET,
}
CHECK_IDS = {"SECRET_KEY": "E001", "ENCRYPTION_KEYS": "E002", "PROCORE_CLIENT_SECRET": "E003"}


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Test-only variables (e.g. DJANGO_ALLOW_ASYNC_UNSAFE for Playwright) stay out of "production".
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV and k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")
    }
    return subprocess.run(
        args, cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run(sys.executable, "manage.py", *args, env=env)


def without(name: str) -> dict[str, str]:
    return {k: v for k, v in PRODUCTION_ENV.items() if k != name}


def test_check_deploy_reports_no_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", env=without("SECRET_KEY"))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("name", ["ENCRYPTION_KEYS", "PROCORE_CLIENT_SECRET"])
def test_check_deploy_refuses_a_missing_secret(name):
    result = manage("check", "--deploy", env=without(name))
    assert result.returncode != 0
    assert f"(trestle.{CHECK_IDS[name]}) The {name} environment variable is not set" in (
        result.stderr
    )
    assert "HINT:" in result.stderr


@pytest.mark.parametrize("name", ["SECRET_KEY", "ENCRYPTION_KEYS", "PROCORE_CLIENT_SECRET"])
def test_check_deploy_refuses_the_development_value(name):
    result = manage("check", "--deploy", env={**PRODUCTION_ENV, name: DEV_VALUES[name]})
    assert result.returncode != 0
    assert (
        f"(trestle.{CHECK_IDS[name]}) The {name} environment variable is the published "
        "development value" in result.stderr
    )
    assert result.stderr.count("trestle.E") == 1  # only the bad one is named


def test_the_development_encryption_key_is_refused_as_an_old_key_too():
    keys = f"{PRODUCTION_ENV['ENCRYPTION_KEYS']},{DEV_ENCRYPTION_KEY}"
    result = manage("check", env={**PRODUCTION_ENV, "ENCRYPTION_KEYS": keys})
    assert result.returncode != 0
    assert "(trestle.E002)" in result.stderr
    assert "rotate_encryption_keys --skip-checks" in result.stderr


def test_the_wsgi_application_refuses_to_load_with_a_development_secret():
    """gunicorn runs no system checks: config/wsgi.py refuses on its own."""
    code = "import config.wsgi"
    assert run(sys.executable, "-c", code, env=PRODUCTION_ENV).returncode == 0
    env = {**PRODUCTION_ENV, "PROCORE_CLIENT_SECRET": DEV_PROCORE_CLIENT_SECRET}
    result = run(sys.executable, "-c", code, env=env)
    assert result.returncode != 0
    assert "(trestle.E003)" in result.stderr


@pytest.mark.parametrize("command", ["worker", "beat"])
def test_celery_refuses_to_start_with_a_development_secret(command, tmp_path):
    celery = str(Path(sys.executable).parent / "celery")
    args = [celery, "-A", "config", command]
    args += ["--schedule", str(tmp_path / "schedule")] if command == "beat" else ["--pool=solo"]
    result = run(*args, env={**PRODUCTION_ENV, "ENCRYPTION_KEYS": DEV_ENCRYPTION_KEY})
    assert result.returncode == 1
    assert "(trestle.E002) The ENCRYPTION_KEYS environment variable is the published" in (
        result.stderr
    )


def test_development_and_test_settings_keep_their_development_secrets(settings):
    assert settings.SECRET_KEY == DEV_SECRET_KEY
    assert check_production_secrets() == []
    settings.REFUSE_DEVELOPMENT_SECRETS = True
    assert [error.id for error in check_production_secrets()] == [
        "trestle.E001",
        "trestle.E002",
        "trestle.E003",
    ]
