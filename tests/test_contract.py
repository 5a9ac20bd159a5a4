"""Runs last (see `pytest_collection_modifyitems` in conftest): every request the suite made
Trestle send to Procore follows Procore's published contract (path and method, required
parameters and headers, a body with no undeclared field)."""

import pytest
import requests

from apps.procore_sandbox import audit

from .contract_audit import SENT

pytestmark = pytest.mark.audit


def test_every_request_trestle_sent_follows_procores_published_contract():
    if not SENT:
        pytest.skip("no request to Procore was sent by the tests selected")
    found = audit.violations(SENT)
    report = [f"{rule} (x{len(sent)}) e.g. {sent[0].body}" for rule, sent in found.items()]
    checked = f"{len(set(SENT))} distinct requests checked"
    assert not report, "\n".join([checked, *report])


def test_the_audit_sees_a_request_that_breaks_the_contract():
    """The recorder and the check work together: Trestle's request with an undeclared
    parameter is recorded and reported (sent to a closed port, so it reaches no server)."""
    url = "http://127.0.0.1:9/rest/v1.0/sub_jobs?project_id=1&colour=red"
    with audit.recording("Trestle") as sent:
        for agent in ("Trestle/1", "a test"):  # only the first is Trestle's
            with pytest.raises(requests.ConnectionError):
                headers = {"Procore-Company-Id": "5", "User-Agent": agent}
                requests.get(url, headers=headers, timeout=1)
    assert len(sent) == 1
    (rule,) = audit.violations(sent)
    assert rule == "GET /rest/v1.0/sub_jobs colour: is not a parameter of this operation"
