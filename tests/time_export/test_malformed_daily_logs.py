"""Daily logs whose Procore answers come back with a malformed record, through the live sandbox:
a log whose create answer or listing cannot be read fails its row alone (never a TypeError for
the run, never a second log beside it), and publishing again ends with each log once."""

from collections import Counter

import pytest

from apps.procore_sandbox import faults
from apps.procore_sync.engine_models import RunStatus

from .conftest import MONDAY

pytestmark = pytest.mark.django_db(transaction=True)
ID_UNREAD = "'id' should be a Procore id, got 'not a number'"


@pytest.fixture
def crew_day(site):
    """Manpower only: three rows (Ana and Ben 8 h, Carla 6 h framing, Carla 2 h painting)."""
    site.configure(mode="timesheets", manpower=True)
    for employee, hours, code in ((0, 8, None), (1, 8, None), (2, 6, None), (2, 2, "paint")):
        extra = {"cost_code": site.painting} if code else {}
        site.entry(employee, MONDAY, hours, crew=site.crew, **extra)
    return site


def manpower_path(site) -> str:
    return f"/rest/v1.0/projects/{site.procore_project_id}/manpower_logs"


def tags(site) -> Counter:
    return Counter(log["notes"] for log in site.live("manpower_logs"))


def test_a_create_answer_without_a_readable_id_is_looked_up_not_sent_again(crew_day):
    site = crew_day
    faults.set_faults(
        wrong_type=1.0,
        wrong_type_fields=["id"],
        paths=[manpower_path(site)],
        methods=["POST"],
        max_faults=1,
    )
    run = site.publish()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.counts == {"created": 3}  # the unreadable one found again by its tag
    assert len(tags(site)) == 3 and set(tags(site).values()) == {1}


def test_a_log_that_cannot_be_read_fails_its_row_alone_and_a_retry_adds_none(crew_day):
    site = crew_day
    faults.set_faults(  # the day's first listing (empty), a create, then the look-up after it
        wrong_type=1.0,
        wrong_type_fields=["id"],
        paths=[manpower_path(site)],
        methods=["GET", "POST"],
        max_faults=3,
    )
    run = site.publish()
    assert run.status == RunStatus.PARTIAL, run.error
    assert run.counts == {"created": 2, "failed": 1}
    [failed] = run.items.filter(outcome="failed")
    assert ID_UNREAD in failed.message and "nothing is created beside it" in failed.message
    assert failed.fix and failed.label.startswith("D-1 Nov 16, 2026")
    assert len(site.live("manpower_logs")) == 3  # it landed: Procore has every row once

    retry = site.retry(run)
    assert retry.status == RunStatus.SUCCEEDED, retry.error
    assert retry.counts == {"skipped": 3}  # found by its tag, unchanged: nothing written
    assert len(tags(site)) == 3 and set(tags(site).values()) == {1}


def test_a_listed_log_of_ours_that_cannot_be_read_is_never_duplicated(crew_day):
    site = crew_day
    site.publish()
    site.entry(3, MONDAY, 8, crew=site.crew)  # Dev joins the 8 h row: the day changes
    faults.set_faults(
        seed=3,
        wrong_type=1.0,
        wrong_type_fields=["id"],
        paths=[manpower_path(site)],
        methods=["GET"],
        max_faults=1,
    )
    run = site.publish()
    assert run.status == RunStatus.PARTIAL, run.error
    [failed] = run.items.filter(outcome="failed")
    assert ID_UNREAD in failed.message
    assert len(tags(site)) == 3 and set(tags(site).values()) == {1}
    faults.reset_faults()
    again = site.publish()
    assert again.status == RunStatus.SUCCEEDED, again.error
    assert len(tags(site)) == 3 and set(tags(site).values()) == {1}


def test_a_listed_log_whose_tag_cannot_be_read_holds_the_day_back(crew_day):
    site = crew_day
    site.publish()
    site.entry(3, MONDAY, 8, crew=site.crew)
    faults.set_faults(
        wrong_type=1.0,
        wrong_type_fields=["notes"],
        paths=[manpower_path(site)],
        methods=["GET"],
        max_faults=1,
    )
    run = site.publish()
    assert run.status == RunStatus.PARTIAL, run.error
    failed = run.items.filter(outcome="failed")
    assert failed.count() == 3  # the day's rows: any of them may be the unreadable log
    assert all("'notes' should be text, got int 12345" in i.message for i in failed)
    assert len(site.live("manpower_logs")) == 3  # nothing written beside it
    faults.reset_faults()
    assert site.publish().status == RunStatus.SUCCEEDED
    assert len(tags(site)) == 3 and set(tags(site).values()) == {1}
