"""The suite's contract audit: every request Trestle sends to Procore during the run is
recorded (`apps.procore_sandbox.audit`) into SENT, which `test_contract.py` checks last."""

import pytest

from apps.procore_sandbox import audit

SENT: list[audit.Sent] = []


@pytest.fixture(autouse=True, scope="session")
def _record_procore_requests():
    with audit.recording(SENT):
        yield
