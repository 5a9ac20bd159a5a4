"""Every path that queues a run works on both databases Trestle runs on: SQLite under
`make run` (where a JSON `contains` lookup once made payments queue nothing) and PostgreSQL."""

import pytest

from .on_sqlite import run_on_sqlite
from .queueing_paths import queueing_paths

EXPECTED = {
    "payments": [["ap_payments", True]] * 3,  # recorded, edited, voided
    "failure": ["ap_payments", True, True],  # a failed run with the reason and the fix
    "retry": ["ap_payments", True],  # Retry failed sends exactly that payment
    "time_failure": [True, True],  # a failed run per office, whose retry sends those cards
    "api_retry": [202, 202, True, True, 2],  # the keyed API retry started one run (+ the one above)
    "scheduled": 2,  # the payments and entities switches are due
    "nightly": [0, 1, 0, True],  # 1:30 a.m. too early, 2:30 queues the report, 5:30 not again
    "full_reread": [0, 1, 0, True],  # 0:30 too early, 1:30 queues the full re-read, 5:30 not again
    # two deliveries, one webhook run claiming both; a failed change claimed again by id
    "webhooks": [["sync", "sync"], "webhook", [7, 7], True, ["claimed", "claimed"]],
}


@pytest.mark.django_db(transaction=True)
def test_every_queueing_path_works_on_postgresql():
    assert queueing_paths() == EXPECTED


@pytest.mark.slow
def test_every_queueing_path_works_on_sqlite(tmp_path):
    assert run_on_sqlite("queueing_paths.py", tmp_path) == EXPECTED
