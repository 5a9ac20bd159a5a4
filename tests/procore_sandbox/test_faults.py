"""The fault API itself; the faults' effect over HTTP is in test_live.py."""

import io

import pytest
from django.core.management import CommandError, call_command

from apps.procore_sandbox import faults


def test_unknown_fault_names_are_refused(db):
    with pytest.raises(TypeError):
        faults.set_faults(error_404=0.5)


def test_set_faults_replaces_the_previous_run(db):
    faults.set_faults(error_500=0.3, latency_ms=10)
    faults.set_faults(error_502=0.1)
    assert faults.current()["error_500"] == 0.0
    assert faults.current()["error_502"] == 0.1


def test_without_a_socket_a_dropped_connection_raises(sandbox):
    faults.set_faults(drop_before=1.0)
    with pytest.raises(faults.ConnectionDropped):
        sandbox.call("GET", "/rest/v1.0/me")


def test_the_command_sets_shows_and_resets_faults(db):
    out = io.StringIO()
    call_command("procore_sandbox_faults", "error_503=0.2", "rate_limit_spike=25", stdout=out)
    assert faults.current()["error_503"] == 0.2 and '"rate_limit_spike": 25' in out.getvalue()
    call_command("procore_sandbox_faults", "--reset", stdout=io.StringIO())
    assert faults.current() == faults.DEFAULTS
    with pytest.raises(CommandError):
        call_command("procore_sandbox_faults", "nonsense", stdout=io.StringIO())
