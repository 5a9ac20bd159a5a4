"""The suite's contract audit: every request Trestle's client sends to Procore during the run
(its User-Agent) is recorded (`apps.procore_sandbox.audit`) into SENT, which `test_contract.py`
checks last. Tests that probe the sandbox with hand-made requests are not Trestle and are left
out."""

import pytest

from apps.procore_sandbox import audit
from apps.procore_sync.client.http import USER_AGENT

SENT: list[audit.Sent] = []


@pytest.fixture(autouse=True, scope="session")
def _record_procore_requests():
    with audit.recording(USER_AGENT, SENT):
        yield
