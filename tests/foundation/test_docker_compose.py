"""docker-compose.yml: the production-like stack is complete and valid."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


APP_SERVICES = ("web", "worker-interactive", "worker-bulk", "beat", "migrate")
LONG_RUNNING = ("web", "proxy", "worker-interactive", "worker-bulk", "beat", "postgres", "redis")


def test_it_runs_web_workers_beat_postgres_and_redis():
    assert set(LONG_RUNNING) | {"migrate"} == set(COMPOSE["services"])
    assert "gunicorn" in (ROOT / "Dockerfile").read_text()


def test_two_web_processes_serve_behind_the_proxy():
    web, proxy = COMPOSE["services"]["web"], COMPOSE["services"]["proxy"]
    assert web["deploy"]["replicas"] == 2
    assert "ports" not in web  # only the proxy is published; replicas would clash on one port
    [mount] = proxy["volumes"]
    conf = (ROOT / mount.split(":")[0]).read_text()
    assert "http://web:8000" in conf and "resolver 127.0.0.11" in conf


@pytest.mark.parametrize(
    ("service", "queue"), [("worker-interactive", "interactive"), ("worker-bulk", "bulk")]
)
def test_each_queue_has_its_own_worker(service, queue):
    command = COMPOSE["services"][service]["command"].split()
    assert command[command.index("-Q") + 1] == queue
    assert command[command.index("-n") + 1] == f"{queue}@%h"
    assert f"-d {queue}@$$HOSTNAME" in " ".join(COMPOSE["services"][service]["healthcheck"]["test"])


def test_the_queues_are_the_ones_runs_are_sent_to():
    from django.conf import settings

    from apps.procore_sync.queues import BULK, INTERACTIVE

    assert [q.name for q in settings.CELERY_TASK_QUEUES] == [INTERACTIVE, BULK]
    assert [q.routing_key for q in settings.CELERY_TASK_QUEUES] == [INTERACTIVE, BULK]
    worker_queues = {
        COMPOSE["services"][s]["command"].split("-Q ")[1].split()[0]
        for s in ("worker-interactive", "worker-bulk")
    }
    assert worker_queues == {INTERACTIVE, BULK}


def test_exactly_one_beat_and_migrate_runs_once():
    services = COMPOSE["services"]
    assert [s for s, spec in services.items() if " beat" in str(spec.get("command"))] == ["beat"]
    assert "replicas" not in services["beat"].get("deploy", {})
    assert services["migrate"]["restart"] == "no"
    for service in APP_SERVICES[:-1]:
        assert services[service]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_long_running_services_have_healthchecks(service):
    assert COMPOSE["services"][service]["healthcheck"]["test"]


def test_app_services_share_the_production_environment():
    for service in APP_SERVICES:
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
