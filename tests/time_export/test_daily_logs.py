"""Daily logs: per project day, timecards, manpower and quantities; re-publishing replaces."""

from collections import defaultdict
from decimal import Decimal

import pytest

from apps.procore_sandbox import faults
from apps.procore_sync.engine_models import RunStatus
from apps.procore_sync.time_export.states import entry_state_labels
from apps.procore_sync.time_models import DailyLogPublish
from apps.timecards.models import EntryStatus

from .conftest import MONDAY

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


@pytest.fixture
def day(site):
    """A crew day: Ana 6 + 2 h framing (two cards), Ben 8 h framing, Carla 6 h framing and 2 h
    painting; 120 + 30 LF of framing, 2.5 CY of painting (not a whole number)."""
    site.configure(mode="daily_logs", manpower=True, quantities=True)
    cards = {
        "ana_1": site.entry(0, MONDAY, 6, crew=site.crew),
        "ana_2": site.entry(0, MONDAY, 2, crew=site.crew),
        "ben": site.entry(1, MONDAY, 8, crew=site.crew),
        "carla": site.entry(2, MONDAY, 6, crew=site.crew),
        "carla_paint": site.entry(2, MONDAY, 2, crew=site.crew, cost_code=site.painting),
        "dev_draft": site.entry(3, MONDAY, 8, crew=site.crew, status=EntryStatus.DRAFT),
    }
    site.quantity(MONDAY, 120, text="Level 2 walls")
    wall = site.quantity(MONDAY, 30, text="Level 3 walls")
    site.quantity(MONDAY, "2.5", unit="CY", code=site.painting)
    return cards, wall


def _man_hours(site) -> Decimal:
    return sum((D(m["man_hours"]) for m in site.live("manpower_logs")), D(0))


def _manpower(site) -> dict[str, tuple[int, str]]:
    return {m["notes"]: (m["num_workers"], m["num_hours"]) for m in site.live("manpower_logs")}


def test_a_day_is_aggregated_per_crew_cost_code_and_employee(site, day):
    cards, _ = day
    run = site.publish()
    ids = site.procore_ids
    assert run.status == RunStatus.PARTIAL  # the 2.5 CY cannot go exactly
    timecards = {(t["party_id"], t["cost_code_id"]): t["hours"] for t in site.timecards()}
    parties = [site.parties[e.pk] for e in site.employees]
    assert timecards == {
        (parties[0], ids["framing"]): "8.00",  # two cards, one row
        (parties[1], ids["framing"]): "8.00",
        (parties[2], ids["framing"]): "6.00",  # painting has no labor type: its row fails
    }
    assert all(t["crew_id"] == ids["crew"] for t in site.timecards())
    manpower = {
        (m["cost_code_id"], m["num_workers"], m["num_hours"]) for m in site.live("manpower_logs")
    }
    assert manpower == {
        (ids["framing"], 2, "8.00"),  # Ana and Ben, 8 h each
        (ids["framing"], 1, "6.00"),  # Carla
        (ids["painting"], 1, "2.00"),
    }
    assert _man_hours(site) == D(24)  # exactly the approved hours of the day
    [quantity] = site.live("quantity_logs")
    assert (quantity["quantity"], quantity["unit"], quantity["cost_code_id"]) == (
        150,
        "LF",
        ids["framing"],
    )
    failed = [i for i in run.items.filter(outcome="failed")]
    messages = " ".join(i.message for i in failed)
    assert "whole numbers" in messages and "2.5 CY" in messages
    assert "09-900 has no labor cost type" in messages
    assert entry_state_labels([cards["ben"], cards["dev_draft"]]) == {
        cards["ben"].pk: "Sent",
        cards["dev_draft"].pk: "Not sent",
    }


def test_painting_without_a_labor_type_fails_its_timecard_row_only(site, day):
    cards, _ = day
    site.publish()
    keys = {t["cost_code_id"] for t in site.timecards()}
    assert site.procore_ids["painting"] not in keys
    label = entry_state_labels([cards["carla_paint"]])[cards["carla_paint"].pk]
    assert label.startswith("Failed: Cost code 09-900 has no labor cost type")


def test_re_publishing_a_day_replaces_its_figures_in_place(site, day):
    cards, wall = day
    site.publish()
    before = {
        "manpower": {m["num_hours"]: m["id"] for m in site.live("manpower_logs")},
        "timecards": {t["party_id"]: t["id"] for t in site.timecards()},
        "quantity": site.live("quantity_logs")[0]["id"],
    }
    site.change(cards["ben"], hours=D("10"))
    site.change(cards["carla_paint"], status=EntryStatus.REJECTED)
    site.change(cards["dev_draft"], status=EntryStatus.APPROVED)
    wall.quantity = D(40)
    wall.save()
    run = site.publish()
    assert run.counts.get("failed") == 1  # still the 2.5 CY
    tag = f"Crew 1 · 06-100 [Trestle c{site.crew.pk}.k{site.framing.pk}"
    assert _manpower(site) == {
        f"{tag}.h6.00]": (1, "6.00"),
        f"{tag}.h8.00]": (2, "8.00"),  # Ana and now Dev
        f"{tag}.h10.00]": (1, "10.00"),
    }
    now = {m["num_hours"]: m["id"] for m in site.live("manpower_logs")}
    assert now["8.00"] == before["manpower"]["8.00"]  # updated in place, not added
    assert _man_hours(site) == D(32) == sum(site.trestle_hours().values())
    ben = site.parties[site.employees[1].pk]
    assert {t["party_id"]: t["id"] for t in site.timecards()}[ben] == before["timecards"][ben]
    [quantity] = site.live("quantity_logs")
    assert (quantity["id"], quantity["quantity"]) == (before["quantity"], 160)
    assert site.procore_hours() == site.trestle_hours()


def test_an_unchanged_day_is_not_written_again(site, day):
    site.publish()
    run = site.publish()
    writes = run.items.filter(outcome__in=["created", "updated", "deactivated"])
    assert writes.count() == 0  # the days with a failed row are read again, nothing written
    publishes = DailyLogPublish.objects.filter(project=site.project, date=MONDAY)
    assert {p.kind: bool(p.fingerprint) for p in publishes} == {
        "timecards": False,  # the painting row failed: tried again next time
        "manpower": True,
        "quantities": False,  # the 2.5 CY
    }


def test_timesheet_offices_publish_manpower_but_never_timecards(site, day):
    site.configure(mode="timesheets", manpower=True)
    site.publish()
    assert site.timecards() == [] and len(site.live("manpower_logs")) == 3


def test_a_lost_answer_on_a_manpower_log_is_found_by_its_tag(site, day):
    path = f"/rest/v1.0/projects/{site.procore_project_id}/manpower_logs"
    faults.set_faults(drop_after=1.0, paths=[path], methods=["POST"], max_faults=1)
    site.publish()
    faults.reset_faults()
    site.publish()
    tags = defaultdict(int)
    for log in site.live("manpower_logs"):
        tags[log["notes"]] += 1
    assert len(tags) == 3 and set(tags.values()) == {1}
    assert _man_hours(site) == D(24)


@pytest.mark.usefixtures("short_waits")
def test_publishing_under_faults_ends_with_trestles_figures(site, day):
    cards, _ = day
    project = site.procore_project_id
    faults.set_faults(
        seed=5,
        error_503=0.2,
        drop_before=0.2,
        drop_after=0.2,
        paths=[
            f"/rest/v1.0/projects/{project}/",
            f"/rest/v1.1/projects/{project}/",
            f"/rest/v1.0/companies/{site.procore.company.id}/timecard_entries",
        ],
        methods=["POST", "PATCH", "DELETE"],
    )
    run = site.publish()
    for _ in range(8):
        site.change(cards["ben"], hours=cards["ben"].hours + D("0.5"))
        run = site.retry(run)
    faults.reset_faults()
    run = site.retry(run)
    assert _man_hours(site) == sum(site.trestle_hours().values())
    expected = site.trestle_hours()
    expected[site.parties[site.employees[2].pk], "2026-11-16"] -= D(2)  # painting: refused
    assert site.procore_hours() == expected
    assert max(site.origin_counts().values()) == 1
    notes = [m["notes"] for m in site.live("manpower_logs")]
    assert len(notes) == len(set(notes)) == 4  # Ben's hours now differ from Ana's: own row
    assert [q["quantity"] for q in site.live("quantity_logs")] == [150]


def test_a_crews_changed_hours_update_its_manpower_log_in_place(site, day):
    cards, _ = day
    site.publish()
    six = {m["num_hours"]: m["id"] for m in site.live("manpower_logs")}["6.00"]
    site.change(cards["carla"], hours=D("7"))
    site.publish()
    seven = {m["num_hours"]: m["id"] for m in site.live("manpower_logs")}
    assert seven["7.00"] == six and "6.00" not in seven
    assert _man_hours(site) == D(25)
