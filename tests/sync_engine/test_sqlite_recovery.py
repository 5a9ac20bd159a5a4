"""The embedded default is first-class: heartbeat, failure and recovery work on SQLite too."""

import pytest

from .on_sqlite import run_on_sqlite

pytestmark = pytest.mark.slow


def test_heartbeat_failure_and_recovery_on_sqlite(tmp_path):
    seen = run_on_sqlite("sqlite_recovery.py", tmp_path)
    assert seen["failed"] == ["failed", [["entities", "failed"]]]
    status, renewed = seen["heartbeat"]
    assert status == "succeeded" and renewed >= 0.6
    assert seen["recovery"] == [1, 0, "failed", "recovery", ["vendors"]]
    assert seen["resent"] == [1, True]
    assert (tmp_path / "trestle.sqlite3").exists()
