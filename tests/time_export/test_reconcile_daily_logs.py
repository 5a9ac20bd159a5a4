"""The "Procore vs Trestle" report for hours published into Daily Logs, against the sandbox over
real HTTP: Procore's side changed through the sandbox's store (as a Procore user's edit or
deletion leaves it), Trestle's through the time card services."""

from decimal import Decimal

import pytest

from apps.procore_sandbox import store
from apps.procore_sandbox.models import SandboxRecord
from apps.procore_sync.client import pages
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import SyncRun
from apps.procore_sync.live import live_connection
from apps.procore_sync.reconcile.daily_logs import daily_logs_compare
from apps.procore_sync.reconcile.flow import CountingClient
from apps.procore_sync.reconcile.services import differences_repair
from apps.procore_sync.reconcile_models import Difference
from apps.procore_sync.time_models import DailyLogPublish
from apps.timecards.models import TimeCardEntry
from apps.timecards.quantities import quantity_delete, quantity_update
from apps.timecards.services import entry_approve, entry_delete, entry_update
from tests.reconciling import report_run

from .conftest import MONDAY

pytestmark = pytest.mark.django_db(transaction=True)
FLOW = "daily_logs"


def report(site, status: str = "succeeded") -> SyncRun:
    return report_run(site.tenant, status)


def found(run: SyncRun) -> list[tuple[str, str, str]]:
    return sorted((d.field, d.side, d.repair) for d in run.differences.filter(flow=FLOW))


def message(run: SyncRun, key_start: str) -> str:
    [difference] = run.differences.filter(flow=FLOW, key__startswith=key_start)
    return difference.message


def repair(site, run: SyncRun) -> SyncRun:
    """Ask for every difference's repair, and run what it queued as the worker would."""
    differences = list(run.differences.filter(flow=FLOW))
    [queued] = differences_repair(
        differences=differences, user=site.tenant.owner, enqueue=lambda i: None
    )
    assert {d.repair_run_id for d in Difference.objects.filter(run=run, flow=FLOW)} == {queued.pk}
    done = run_execute(queued.pk)
    assert done.status == "succeeded", list(done.items.values_list("message", "fix"))
    return done


def log_of(site, kind: str, key_start: str) -> SandboxRecord:
    """Procore's log of a published row of MONDAY, by the start of its row key."""
    publish = DailyLogPublish.objects.get(project=site.project, date=MONDAY, kind=kind)
    [log_id] = [i for k, i in publish.procore_ids.items() if k.startswith(key_start)]
    return SandboxRecord.objects.get(id=log_id)


def edit_again(site, card: TimeCardEntry, **changes) -> TimeCardEntry:
    """An approver edits an approved card (it goes back to submitted) and approves it again."""
    owner = site.tenant.owner
    card = entry_update(entry=card, user=owner, as_approver=True, **changes)
    entry_approve(account=site.tenant.office.account, entry_ids=[card.pk], user=owner)
    return TimeCardEntry.objects.get(pk=card.pk)


@pytest.fixture
def cards(site) -> list[TimeCardEntry]:
    """Ana and Ben 8 h framing in Crew 1, Carla 6 h framing in no crew: three daily-log
    timecards and two manpower logs (Crew 1: 2 x 8 h; no crew: 1 x 6 h), published."""
    site.configure(mode="daily_logs", manpower=True)
    published = [
        site.entry(0, MONDAY, 8, crew=site.crew),
        site.entry(1, MONDAY, 8, crew=site.crew),
        site.entry(2, MONDAY, 6),
    ]
    run = site.publish()
    assert run.status == "succeeded", list(run.items.values_list("message", "fix"))
    assert len(site.timecards()) == 3 and len(site.live("manpower_logs")) == 2
    return published


def ana(site) -> str:
    return f"e{site.employees[0].pk}."


def crew(site) -> str:
    return f"c{site.crew.pk}."


def test_published_days_as_procore_holds_them_have_no_difference(site, cards):
    remote = site.procore_project_id
    site.procore.add(  # a Procore user's own logs that day: never Trestle's to compare
        "timecard_entries", project_id=remote, date=MONDAY.isoformat(), hours="4.00"
    )
    site.procore.add(
        "manpower_logs", project_id=remote, date=MONDAY.isoformat(), num_workers=5, num_hours="8"
    )
    run = report(site)
    assert found(run) == []
    assert run.counts["requests"] == run.counts["requests_min"]
    client = CountingClient(live_connection(site.tenant.office))
    assert daily_logs_compare(site.tenant.office, client).requests_min == client.sent == 2


def test_a_list_longer_than_a_page_costs_its_pages_and_no_more(site, cards, monkeypatch):
    path = f"/rest/v1.0/projects/{site.procore_project_id}/timecard_entries"
    monkeypatch.setitem(pages.PER_PAGE, path, 2)  # three timecards: two pages
    client = CountingClient(live_connection(site.tenant.office))
    result = daily_logs_compare(site.tenant.office, client)
    assert result.differences == [] and result.requests_min == client.sent == 3


def test_timecard_hours_changed_in_procore_are_sent_again(site, cards):
    log = log_of(site, "timecards", ana(site))
    store.record_update(log, {"hours": "9.50"})
    run = report(site)
    assert found(run) == [("hours", "procore", "send_again")]
    assert message(run, f"timecards/2026-11-16/{ana(site)}") == (
        "Procore's timecard of Ana Garcia · 06-100 on Nov 16, 2026 is 9.50 h; Trestle sent 8.00 h; "
        "changed in Procore."
    )
    again = report(site)  # the same difference, still found first by the first report
    [first], [second] = run.differences.filter(flow=FLOW), again.differences.filter(flow=FLOW)
    assert second.identity == first.identity and second.first_found_at == first.first_found_at
    repair(site, again)
    assert found(report(site)) == []
    log.refresh_from_db()
    assert Decimal(log.data["hours"]) == 8


def test_manpower_changed_in_procore_is_sent_again(site, cards):
    store.record_update(log_of(site, "manpower", crew(site)), {"num_workers": 3})
    run = report(site)
    assert found(run) == [("hours", "procore", "send_again")]
    assert message(run, "manpower/") == (
        "Procore's manpower of Crew 1 · 06-100 on Nov 16, 2026 is 3 x 8.00 h; Trestle sent "
        "2 x 8.00 h; changed in Procore."
    )
    repair(site, run)
    assert found(report(site)) == []
    assert log_of(site, "manpower", crew(site)).data["num_workers"] == 2


def test_hours_changed_in_trestle_change_the_timecard_and_the_crews_manpower(site, cards):
    edit_again(site, cards[1], hours=Decimal("9"))
    run = report(site)
    assert found(run) == [("hours", "trestle", "send_again"), ("hours", "trestle", "send_again")]
    assert message(run, "manpower/") == (
        "Procore's manpower of Crew 1 · 06-100 on Nov 16, 2026 is 2 x 8.00 h; Trestle has "
        "1 x 8.00 h + 1 x 9.00 h; changed in Trestle."
    )
    repair(site, run)
    assert found(report(site)) == []
    assert site.procore_hours() == site.trestle_hours()


def test_a_row_changed_on_both_sides_says_both(site, cards):
    store.record_update(log_of(site, "timecards", ana(site)), {"hours": "7"})
    edit_again(site, cards[0], hours=Decimal("10"))
    run = report(site)
    assert found(run) == [("hours", "both", "send_again"), ("hours", "trestle", "send_again")]
    assert message(run, "timecards/") == (
        "Procore's timecard of Ana Garcia · 06-100 on Nov 16, 2026 is 7.00 h; Trestle has "
        "10.00 h; changed on both sides."
    )
    repair(site, run)
    assert found(report(site)) == []


def test_a_log_deleted_in_procore_is_missing_and_created_anew(site, cards):
    deleted = log_of(site, "timecards", ana(site))
    store.record_delete(deleted)
    run = report(site)
    assert found(run) == [("missing_record", "procore", "send_again")]
    assert message(run, "timecards/") == (
        "Procore lacks the timecard of Ana Garcia · 06-100 on Nov 16, 2026; Trestle sent 8.00 h; "
        "changed in Procore."
    )
    repair(site, run)
    assert found(report(site)) == []
    assert log_of(site, "timecards", ana(site)).id != deleted.id
    assert site.procore_hours() == site.trestle_hours()


def test_a_card_deleted_in_trestle_withdraws_its_logs(site, cards):
    entry_delete(entry=cards[2], user=site.tenant.owner, as_approver=True)
    run = report(site)
    assert found(run) == [
        ("extra_record", "trestle", "withdraw"),
        ("extra_record", "trestle", "withdraw"),
    ]
    assert message(run, "manpower/") == (
        "Procore still holds the manpower of No crew · 06-100 on Nov 16, 2026 at 1 x 6.00 h; "
        "Trestle's cards no longer make it; changed in Trestle."
    )
    repair(site, run)
    assert found(report(site)) == []
    assert len(site.timecards()) == 2 and len(site.live("manpower_logs")) == 1
    assert site.procore_hours() == site.trestle_hours()


def test_a_card_approved_after_the_publish_is_missing_on_trestles_side(site, cards):
    site.entry(3, MONDAY, 8, crew=site.crew)
    run = report(site)
    assert found(run) == [
        ("hours", "trestle", "send_again"),  # Crew 1: 3 x 8 h now
        ("missing_record", "trestle", "send_again"),  # Dev's timecard
    ]
    repair(site, run)
    assert found(report(site)) == []


def test_an_unreadable_log_is_a_failed_item_never_a_difference(site, cards):
    store.record_update(log_of(site, "timecards", ana(site)), {"hours": "lots"})
    run = report(site, status="partial")
    assert found(run) == []
    [item] = run.items.filter(outcome="failed")
    assert "could not be read" in item.message


@pytest.fixture
def quantities(site, cards):
    """120 LF of framing and 30 CY of painting that day, published as two quantity logs."""
    site.configure(mode="daily_logs", manpower=True, quantities=True)
    framing = site.quantity(MONDAY, 120, text="Level 2 walls")
    painting = site.quantity(MONDAY, 30, unit="CY", code=site.painting)
    assert site.publish().status == "succeeded"
    assert len(site.live("quantity_logs")) == 2
    return framing, painting


def test_a_quantity_changed_in_procore_is_sent_again(site, quantities):
    store.record_update(log_of(site, "quantities", f"k{site.framing.pk}."), {"quantity": 100})
    run = report(site)
    assert found(run) == [("value", "procore", "send_again")]
    assert message(run, "quantities/") == (
        "Procore's quantity log of 06-100 in LF on Nov 16, 2026 is 100 LF; Trestle sent 120 LF; "
        "changed in Procore."
    )
    repair(site, run)
    assert found(report(site)) == []


def test_quantities_changed_and_deleted_in_trestle(site, quantities):
    framing, painting = quantities
    quantity_update(record=framing, user=site.tenant.owner, quantity=Decimal("125"))
    quantity_delete(record=painting, user=site.tenant.owner)
    run = report(site)
    assert found(run) == [
        ("extra_record", "trestle", "withdraw"),
        ("value", "trestle", "send_again"),
    ]
    repair(site, run)
    assert found(report(site)) == []
    assert [(q["quantity"], q["unit"]) for q in site.live("quantity_logs")] == [(125, "LF")]


def test_timecards_left_by_a_switch_to_timesheets_are_withdrawn_by_its_run(site, cards):
    site.configure(mode="timesheets", manpower=True)
    run = report(site)
    assert found(run) == [("extra_record", "trestle", "withdraw")] * 3
    done = repair(site, run)
    assert done.flow == "time_export"
    assert found(report(site)) == []
    assert {t["origin_id"][:12] for t in site.timecards()} == {"trestle-time"}
    assert site.procore_hours() == site.trestle_hours()
