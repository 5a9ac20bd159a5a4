"""`manage.py procore_sync` from a shell: it calls the server `make run` serves, and says so
plainly when nothing answers there."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.procore_sync.engine_models import SyncRun

ROOT = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # free once the socket closes: nothing listens there


@pytest.mark.django_db
def test_it_refuses_with_the_fix_when_the_sandbox_is_not_served(tenant, settings):
    settings.SITE_URL = f"http://127.0.0.1:{closed_port()}"
    settings.PROCORE_API_URL = f"{settings.SITE_URL}/procore-sandbox"
    with pytest.raises(CommandError) as refused:
        call_command("procore_sync", office=tenant.office.pk)
    message = str(refused.value)
    assert f"Nothing answers at {settings.PROCORE_API_URL} (ConnectionError)." in message
    assert f"served by Trestle at {settings.SITE_URL}: start `make run`" in message
    assert not SyncRun.objects.exists()  # no run of failed items for a server that is not there


def local_settings(run_dir: Path, **extra: str) -> list[str]:
    """SITE_URL and PROCORE_API_URL as `manage.py` in a fresh shell sees them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROCORE_", "SITE_URL"))}
    env.pop("TRESTLE_PORT", None)
    env.pop("DATABASE_URL", None)
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", TRESTLE_RUN_DIR=str(run_dir))
    env.update(extra)
    code = "from django.conf import settings as s; print(s.SITE_URL); print(s.PROCORE_API_URL)"
    script = f"import django; django.setup(); {code}"
    command = [sys.executable, "-c", script]
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_a_shell_uses_the_port_make_run_recorded(tmp_path):
    (tmp_path / "port").write_text("8123\n")
    assert local_settings(tmp_path) == [
        "http://127.0.0.1:8123",
        "http://127.0.0.1:8123/procore-sandbox",
    ]
    assert local_settings(tmp_path, TRESTLE_PORT="9000")[0] == "http://127.0.0.1:9000"
    (tmp_path / "port").unlink()
    assert local_settings(tmp_path)[0] == "http://127.0.0.1:8000"
