"""Exports under injected faults end with Procore's hours equal to Trestle's, exactly."""

from datetime import timedelta
from decimal import Decimal

import pytest

from apps.procore_sandbox import faults
from apps.procore_sandbox.models import SandboxConfig
from apps.procore_sync.engine_models import ExternalRef
from apps.timecards.models import EntryStatus

from .conftest import MONDAY

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("short_waits")]
ROUNDS = 10


def _write_paths(site) -> list[str]:
    """The export's writes: bulk creates, updates (company path) and deletes (project path)."""
    project, company = site.procore_project_id, site.procore.company.id
    return [
        f"/rest/v1.1/projects/{project}/project_timecard_entries/bulk_create",
        f"/rest/v1.0/companies/{company}/timecard_entries/",
        f"/rest/v1.0/projects/{project}/timecard_entries/",
    ]


def _export_until_done(site, start, end):
    run = site.export(start, end)
    runs = [run]
    while run.counts.get("failed") and len(runs) < ROUNDS:
        run = site.retry(run)
        runs.append(run)
    return runs


def _check_exact(site) -> None:
    assert site.procore_hours() == site.trestle_hours()
    assert max(site.origin_counts().values()) == 1  # no origin_id twice
    wanted = site.project.time_entries.filter(status=EntryStatus.APPROVED, deleted_at=None)
    assert len(site.timecards()) == wanted.count()
    linked = dict(
        ExternalRef.objects.filter(
            procore_type="timecard_entry", procore_id__isnull=False
        ).values_list("object_id", "procore_id")
    )
    hours = {t["id"]: Decimal(t["hours"]) for t in site.timecards()}
    assert {linked[e.pk]: e.hours for e in wanted} == hours


@pytest.mark.parametrize("seed", [3, 8])
def test_under_503s_and_dropped_connections_procore_ends_with_trestles_hours(site, seed):
    days = [MONDAY + timedelta(days=n) for n in range(25)]
    entries = [
        site.entry(employee, day, Decimal("6.5") + employee, description=f"e{employee}")
        for day in days
        for employee in range(4)
    ] + [site.entry(employee, days[0], "1.25", cost_code=None) for employee in range(4)]
    faults.set_faults(
        seed=seed,
        error_503=0.2,
        drop_before=0.2,
        drop_after=0.2,
        paths=_write_paths(site),
        methods=["POST", "PATCH", "DELETE"],
    )
    first = _export_until_done(site, days[0], days[-1])
    assert not first[-1].counts.get("failed"), [r.counts for r in first]
    _check_exact(site)

    for entry in entries[:20]:  # edits, rejections, deletions and new cards, still under faults
        site.change(entry, hours=entry.hours + Decimal("0.75"))
    for entry in entries[20:25]:
        site.change(entry, status=EntryStatus.REJECTED)
    for entry in entries[25:30]:
        site.delete(entry)
    for employee in range(4):
        site.entry(employee, days[4], "2", sub_job=site.sub_job)
    second = _export_until_done(site, days[0], days[-1])
    assert not second[-1].counts.get("failed"), [r.counts for r in second]
    _check_exact(site)
    config = SandboxConfig.objects.get(id=1)
    assert config.faulted_count > 0  # the faults did happen
    faults.reset_faults()
    assert site.export(days[0], days[-1]).counts == {"skipped": len(entries) + 4}


def test_a_create_whose_answer_is_lost_is_linked_not_sent_again(site):
    entries = [site.entry(n, MONDAY, 8) for n in range(4)]
    bulk = _write_paths(site)[0]
    faults.set_faults(drop_after=1.0, paths=[bulk], methods=["POST"], max_faults=1)
    run = site.export()
    assert run.counts == {"created": 4}  # confirmed by a look-up by origin_id
    assert sorted(site.origin_counts()) == sorted(f"trestle-time-{e.pk}" for e in entries)


def test_a_create_that_never_arrived_is_sent_by_the_retry(site):
    site.entry(0, MONDAY, 8)
    faults.set_faults(
        drop_before=1.0, paths=[_write_paths(site)[0]], methods=["POST"], max_faults=1
    )
    run = site.export()
    assert run.counts == {"failed": 1} and site.timecards() == []
    [item] = run.items.all()
    assert "looks it up first" in item.fix
    assert site.retry(run).counts == {"created": 1}
    assert len(site.timecards()) == 1
