"""The "Procore vs Trestle" report for time cards sent as timesheet entries, against the sandbox
over real HTTP: Procore's side changed through the sandbox's store (as a Procore user's edit or
deletion leaves it), Trestle's through the time card services."""

from decimal import Decimal

import pytest

from apps.procore_sandbox import store
from apps.procore_sandbox.models import SandboxRecord
from apps.procore_sync.client import pages
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import ExternalRef, SyncRun
from apps.procore_sync.reconcile import flow, timesheets
from apps.procore_sync.reconcile.registry import comparer_of
from apps.procore_sync.reconcile.services import differences_repair
from apps.procore_sync.reconcile_models import Difference
from apps.timecards.models import EntryStatus, TimeCardEntry
from apps.timecards.services import entry_approve, entry_delete, entry_reject, entry_update
from tests.reconciling import report_run

from .conftest import MONDAY

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def only_timesheets(monkeypatch):
    """The report runs this comparer alone: its requests are the ones counted."""
    monkeypatch.setattr(flow, "COMPARERS", (comparer_of(timesheets.FLOW),))


def report(site, status: str = "succeeded") -> SyncRun:
    run = report_run(site.tenant, status)
    assert run.counts.get("requests", 0) == run.counts.get("requests_min", 0)
    return run


def found(run: SyncRun) -> list[tuple[str, str, str]]:
    differences = run.differences.filter(flow="time_export")
    return sorted((d.field, d.side, d.repair) for d in differences)


def repair(site, run: SyncRun) -> SyncRun:
    """Ask for every difference's repair, and run what it queued as the worker would."""
    differences = list(run.differences.filter(flow="time_export"))
    [queued] = differences_repair(
        differences=differences, user=site.tenant.owner, enqueue=lambda i: None
    )
    assert {d.repair_run_id for d in Difference.objects.filter(run=run)} == {queued.pk}
    done = run_execute(queued.pk)
    assert done.status == "succeeded", list(done.items.values_list("message", "fix"))
    return done


def entry_of(card: TimeCardEntry) -> SandboxRecord:
    ref = ExternalRef.objects.get(procore_type="timecard_entry", object_id=card.pk)
    return SandboxRecord.objects.get(id=ref.procore_id)


def edit_again(site, card: TimeCardEntry, *, approve: bool = True, **changes) -> TimeCardEntry:
    """An approver edits an approved card (it goes back to submitted) and approves it again."""
    owner = site.tenant.owner
    card = entry_update(entry=card, user=owner, as_approver=True, **changes)
    if approve:
        entry_approve(account=site.tenant.office.account, entry_ids=[card.pk], user=owner)
    return TimeCardEntry.objects.get(pk=card.pk)


@pytest.fixture
def sent(site) -> list[TimeCardEntry]:
    """Three approved cards of one day, exported as three timesheet entries."""
    cards = [site.entry(n, MONDAY, 8) for n in range(3)]
    assert site.export().counts == {"created": 3}
    return cards


def test_what_was_sent_and_what_trestle_never_sent_have_no_difference(site, sent):
    site.procore.add(  # a Procore user's own entry on the same day
        "timecard_entries", project_id=site.procore_project_id, date="2026-11-16", hours="4.00"
    )
    site.entry(3, MONDAY, 8, status=EntryStatus.SUBMITTED)  # never sent: not the report's
    run = report(site)
    assert found(run) == []
    assert run.counts["requests_min"] == 1


def test_an_office_that_never_sent_time_reads_nothing(site):
    run = report(site)
    assert found(run) == [] and run.counts["requests"] == 0


def test_hours_changed_in_procore_are_found_and_sent_again(site, sent):
    store.record_update(entry_of(sent[0]), {"hours": "6.50"})
    run = report(site)
    assert found(run) == [("hours", "procore", "send_again")]
    difference = run.differences.get()
    assert difference.message == (
        "Procore's hours for Ana Garcia on Nov 16, 2026 (D-1) are 6.50; Trestle sent 8.00; "
        "changed in Procore."
    )
    assert (difference.object_id, difference.key) == (sent[0].pk, f"2026-11-16/p{site.project.pk}")
    assert (difference.procore_id, difference.procore_project_id) == (
        entry_of(sent[0]).id,
        site.procore_project_id,
    )

    done = repair(site, run)
    assert (done.flow, done.params["entry_ids"], done.counts) == (
        "time_export",
        [sent[0].pk],
        {"updated": 1},
    )
    assert entry_of(sent[0]).data["hours"] == "8.00"
    assert found(report(site)) == []


def test_a_card_edited_and_approved_again_without_export_is_trestles(site, sent):
    edit_again(site, sent[1], hours=Decimal("9.25"))
    run = report(site)
    assert found(run) == [("hours", "trestle", "send_again")]
    assert run.differences.get().message == (
        "Procore's hours for Ben Okafor on Nov 16, 2026 (D-1) are 8.00; Trestle has 9.25; "
        "changed in Trestle."
    )
    repair(site, run)
    assert entry_of(sent[1]).data["hours"] == "9.25"
    assert found(report(site)) == []


def test_hours_changed_on_both_sides_say_both(site, sent):
    store.record_update(entry_of(sent[0]), {"hours": "6.00"})
    edit_again(site, sent[0], hours=Decimal("9.00"))
    assert found(report(site)) == [("hours", "both", "send_again")]


def test_a_card_changed_beyond_its_hours_is_still_only_trestles(site, sent):
    edit_again(site, sent[0], hours=Decimal("7.00"), description="Walls L3")
    assert found(report(site)) == [("hours", "trestle", "send_again")]


def test_an_entry_deleted_in_procore_is_missing_and_created_anew(site, sent):
    store.record_delete(entry_of(sent[2]))
    run = report(site)
    assert found(run) == [("missing_record", "procore", "send_again")]
    difference = run.differences.get()
    assert difference.message == (
        "Procore no longer holds the timecard entry Trestle sent for Carla Rossi on Nov 16, 2026 "
        "(D-1): Trestle 8.00 h, Procore none; changed in Procore."
    )
    assert difference.procore_project_id == site.procore_project_id

    done = repair(site, run)
    assert done.counts == {"created": 1}
    assert entry_of(sent[2]).origin_id == f"trestle-time-{sent[2].pk}-2"
    assert found(report(site)) == []
    assert len(site.timecards()) == 3


def test_a_card_deleted_in_trestle_is_withdrawn_from_procore(site, sent):
    gone = entry_of(sent[0]).id
    entry_delete(entry=sent[0], user=site.tenant.owner, as_approver=True)
    run = report(site)
    assert found(run) == [("extra_record", "trestle", "withdraw")]
    assert run.differences.get().message == (
        "Procore still holds 8.00 h for Ana Garcia on Nov 16, 2026 (D-1); in Trestle the time "
        "card was deleted; changed in Trestle."
    )
    done = repair(site, run)
    assert done.counts == {"deactivated": 1}
    assert gone not in {e["id"] for e in site.timecards()}
    assert found(report(site)) == []


def test_a_card_no_longer_approved_is_withdrawn_and_sent_once_approved(site, sent):
    card = edit_again(site, sent[1], approve=False, hours=Decimal("5.00"))
    assert card.status == EntryStatus.SUBMITTED
    run = report(site)
    assert found(run) == [("extra_record", "trestle", "withdraw")]
    assert run.differences.get().trestle_value == "is submitted, not approved"

    done = repair(site, run)
    assert done.params["withdraw_ids"] == [card.pk]
    assert list(done.items.values_list("message", flat=True)) == [
        "Removed from Procore (withdrawn until the time card is approved again)."
    ]
    assert len(site.timecards()) == 2
    assert found(report(site)) == []

    entry_approve(account=site.tenant.office.account, entry_ids=[card.pk], user=site.tenant.owner)
    assert site.export().counts["created"] == 1
    assert entry_of(card).data["hours"] == "5.00"
    assert found(report(site)) == []


def test_an_office_now_sending_daily_logs_withdraws_what_timesheets_hold(site, sent):
    site.configure(mode="daily_logs")
    run = report(site)
    assert found(run) == [("extra_record", "trestle", "withdraw")] * 3
    assert "goes to daily-log timecards now" in run.differences.first().message

    done = repair(site, run)
    assert done.flow == "daily_logs"
    assert not [e for e in site.timecards() if e["origin_id"].startswith("trestle-time-")]
    assert found(report(site)) == []


def test_an_unreadable_entry_is_a_failed_item_never_a_missing_one(site, sent):
    record = entry_of(sent[0])
    store.record_update(record, {"hours": "lots"})
    run = report(site, status="partial")
    assert found(run) == []
    [item] = run.items.filter(outcome="failed")
    assert "could not be read" in item.message


def test_an_entry_deleted_in_procore_of_a_card_edited_since_is_created_anew(site, sent):
    store.record_delete(entry_of(sent[0]))
    edit_again(site, sent[0], hours=Decimal("7.00"))
    run = report(site)
    assert found(run) == [("missing_record", "procore", "send_again")]
    done = repair(site, run)  # the update meets Procore's 404 and creates it
    assert done.counts == {"created": 1}
    assert entry_of(sent[0]).data["hours"] == "7.00"
    assert found(report(site)) == []


def test_hours_changed_in_procore_and_more_than_hours_in_trestle_say_both(site, sent):
    store.record_update(entry_of(sent[0]), {"hours": "6.00"})
    edit_again(site, sent[0], hours=Decimal("9.00"), description="Walls L3")
    assert found(report(site)) == [("hours", "both", "send_again")]


def test_the_list_is_read_a_page_at_a_time_and_counted(site, sent, monkeypatch):
    monkeypatch.setattr(pages, "DEFAULT_PER_PAGE", 2)
    site.procore.add(
        "timecard_entries", project_id=site.procore_project_id, date="2026-11-16", hours="4.00"
    )
    store.record_update(entry_of(sent[2]), {"hours": "6.00"})
    run = report(site)  # four entries listed, two a page
    assert run.counts["requests"] == run.counts["requests_min"] == 2
    assert found(run) == [("hours", "procore", "send_again")]


def test_a_card_rejected_after_an_edit_is_withdrawn(site, sent):
    card = edit_again(site, sent[2], approve=False, hours=Decimal("3.00"))
    entry_reject(
        account=site.tenant.office.account, entry_ids=[card.pk], user=site.tenant.owner,
        reason="Wrong day",
    )  # fmt: skip
    run = report(site)
    assert found(run) == [("extra_record", "trestle", "withdraw")]
    assert run.differences.get().trestle_value == "was rejected"
    assert repair(site, run).counts == {"deactivated": 1}
    assert len(site.timecards()) == 2
    assert found(report(site)) == []
