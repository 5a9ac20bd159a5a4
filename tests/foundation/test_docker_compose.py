"""docker-compose.yml: the production-like stack is complete and valid."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_it_runs_web_worker_beat_postgres_and_redis():
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(COMPOSE["services"])
    assert "gunicorn" in (ROOT / "Dockerfile").read_text()


@pytest.mark.parametrize("service", ["web", "worker", "postgres", "redis"])
def test_long_running_services_have_healthchecks(service):
    assert COMPOSE["services"][service]["healthcheck"]["test"]


def test_app_services_share_the_production_environment():
    for service in ("web", "worker", "beat", "migrate"):
        env = COMPOSE["services"][service]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        required = {"SECRET_KEY", "ENCRYPTION_KEYS", "PROCORE_CLIENT_SECRET"}
        assert {"DATABASE_URL", "CELERY_BROKER_URL", *required} <= set(env)
        assert all(":?set " in env[name] for name in required)  # no silent fallback


def compose_cli() -> list[str] | None:
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


@pytest.mark.skipif(compose_cli() is None, reason="no docker compose CLI on this machine")
def test_docker_compose_config_validates():
    env = {**os.environ, "SECRET_KEY": "s", "ENCRYPTION_KEYS": "k", "PROCORE_CLIENT_SECRET": "p"}
    result = subprocess.run(
        [*compose_cli(), "config", "-q"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
