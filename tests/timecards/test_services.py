"""Entering, editing, deleting and deciding on time: the rules, the 24-hour day, crews, the
fingerprint and the signal the Procore export listens to."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from apps.accounts.models import AuditEntry
from apps.offices.models import Office
from apps.projects.models import CostCode, Project, SubJob
from apps.timecards import services
from apps.timecards.fingerprint import entry_fingerprint
from apps.timecards.models import Employee, EntryStatus, TimeCardEntry
from apps.timecards.signals import time_entries_changed

from .conftest import MONDAY

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def signals():
    """The `time_entries_changed` signals sent, as (account, entry_ids, action)."""
    sent = []

    def receiver(sender, account, entry_ids, action, **kwargs):
        assert sender is TimeCardEntry
        sent.append((account, entry_ids, action))

    time_entries_changed.connect(receiver)
    yield sent
    time_entries_changed.disconnect(receiver)


def reload(entry) -> TimeCardEntry:
    return TimeCardEntry.objects.get(pk=entry.pk)


# Entering ----------------------------------------------------------------------------------------


def test_it_enters_a_draft_with_the_employees_classification_and_its_fingerprint(site, enter):
    entry = reload(enter("7.5", sub_job=site.sub_job, description="Level 2 walls"))
    assert entry.status == EntryStatus.DRAFT and entry.hours == D("7.50")
    assert entry.work_classification == site.carpenter
    assert entry.fingerprint == entry_fingerprint(entry) and len(entry.fingerprint) == 64


def test_records_of_another_office_or_project_are_refused(site, enter, tenant):
    north = Office.objects.create(account=tenant.account, name="North")
    their_code = CostCode.objects.create(office=north, code="1", name="X", division_code="1")
    their_person = Employee.objects.create(office=north, last_name="North")
    other_project = Project.objects.create(office=tenant.office, number="300", name="Other")
    other_sub_job = SubJob.objects.create(
        office=tenant.office, project=other_project, code="001", name="A"
    )
    with pytest.raises(ValidationError, match="cost code belongs to another office"):
        enter(cost_code=their_code)
    with pytest.raises(ValidationError, match="employee belongs to another office"):
        enter(employee=their_person)
    with pytest.raises(ValidationError, match=r"Sub-job 300\.001 belongs to another project"):
        enter(sub_job=other_sub_job)
    assert not TimeCardEntry.objects.exists()


@pytest.mark.parametrize("hours", ["0", "-1", "24.01", "7.555", "abc", "NaN"])
def test_hours_are_more_than_zero_at_most_24_with_two_decimals(enter, hours):
    with pytest.raises(ValidationError) as refused:
        enter(hours)
    assert "hours" in refused.value.message_dict


def test_an_employee_has_at_most_24_hours_a_day_across_projects(site, enter, tenant):
    other = Project.objects.create(office=tenant.office, number="300", name="Annex")
    enter("16")
    services.entry_create(
        project=other, employee=site.ana, date=MONDAY, hours=D("8"), user=tenant.owner
    )
    with pytest.raises(ValidationError, match=r"would have 24\.25 hours on Jan 6, 2025;"):
        enter("0.25")
    enter("0.25", employee=site.ben)  # another person
    enter("10", day=MONDAY + timedelta(days=1))  # another day


def test_an_entry_names_its_day_as_pages_do(enter):
    """Its name reaches pages in "Saved …" messages: the day reads as everywhere else."""
    assert str(enter("8")) == "Ana Alvarez Jan 6, 2025 8.00h"


def test_a_deleted_entry_no_longer_counts_toward_the_day(enter, tenant):
    first = enter("20")
    services.entry_delete(entry=first, user=tenant.owner)
    assert enter("20").hours == D("20.00")


def test_editing_hours_counts_the_day_without_the_entry_itself(enter, tenant):
    entry = enter("20")
    entry = services.entry_update(entry=entry, user=tenant.owner, hours=D("24"))
    assert entry.hours == D("24.00")


@freeze_time("2025-01-06 05:00:00+00:00")  # 22:00 on Jan 5 in Denver
def test_a_date_more_than_a_day_after_today_at_the_project_is_refused(enter):
    assert enter(day=date(2025, 1, 6)).date == date(2025, 1, 6)  # tomorrow in Denver
    with pytest.raises(ValidationError, match="at most 2025-01-06"):
        enter(day=date(2025, 1, 7))  # tomorrow in UTC, but two days ahead in Denver


# Statuses ----------------------------------------------------------------------------------------


def test_entries_go_from_draft_to_submitted_to_approved(enter, tenant):
    entries = [enter("4"), enter("4", cost_code=None)]
    ids = [e.pk for e in entries]
    with pytest.raises(ValidationError, match="Only submitted entries can be approved"):
        services.entry_approve(account=tenant.account, entry_ids=ids, user=tenant.owner)
    services.entry_submit(account=tenant.account, entry_ids=ids, user=tenant.owner)
    assert {reload(e).status for e in entries} == {EntryStatus.SUBMITTED}
    pm = tenant.member("project_manager")
    services.entry_approve(account=tenant.account, entry_ids=ids, user=pm)
    entry = reload(entries[0])
    assert (entry.status, entry.decided_by, entry.decided_at is not None) == ("approved", pm, True)
    assert entry.submitted_at is not None and entry.fingerprint == entry_fingerprint(entry)


def test_a_rejection_needs_a_reason_and_an_edit_makes_it_a_draft_again(enter, tenant):
    entry = enter()
    services.entry_submit(account=tenant.account, entry_ids=[entry.pk], user=tenant.owner)
    with pytest.raises(ValidationError, match="reason"):
        services.entry_reject(
            account=tenant.account, entry_ids=[entry.pk], user=tenant.owner, reason="  "
        )
    services.entry_reject(
        account=tenant.account, entry_ids=[entry.pk], user=tenant.owner, reason="Was 6 hours"
    )
    rejected = reload(entry)
    assert (rejected.status, rejected.rejection_reason) == ("rejected", "Was 6 hours")
    fixed = services.entry_update(entry=rejected, user=tenant.owner, hours=D("6"))
    assert (fixed.status, fixed.rejection_reason, fixed.decided_by) == ("draft", "", None)
    services.entry_submit(account=tenant.account, entry_ids=[entry.pk], user=tenant.owner)
    assert reload(entry).status == EntryStatus.SUBMITTED


def test_only_an_approver_edits_a_submitted_entry_and_an_approved_one_goes_back(enter, tenant):
    entry = enter()
    services.entry_submit(account=tenant.account, entry_ids=[entry.pk], user=tenant.owner)
    field = tenant.member("field")
    with pytest.raises(ValidationError, match="submitted entry can only be changed by an approver"):
        services.entry_update(entry=entry, user=field, hours=D("7"))
    with pytest.raises(ValidationError, match="only be deleted by an approver"):
        services.entry_delete(entry=entry, user=field)
    edited = services.entry_update(entry=entry, user=tenant.owner, as_approver=True, hours=D("7"))
    assert (edited.status, edited.hours) == ("submitted", D("7.00"))
    services.entry_approve(account=tenant.account, entry_ids=[entry.pk], user=tenant.owner)
    again = services.entry_update(entry=entry, user=tenant.owner, as_approver=True, hours=D("6"))
    assert (again.status, again.decided_by, again.decided_at) == ("submitted", None, None)


def test_bulk_actions_are_all_or_none(enter, tenant):
    draft, submitted = enter("4"), enter("4", cost_code=None)
    services.entry_submit(account=tenant.account, entry_ids=[submitted.pk], user=tenant.owner)
    with pytest.raises(ValidationError, match="some are submitted"):
        services.entry_submit(
            account=tenant.account, entry_ids=[draft.pk, submitted.pk], user=tenant.owner
        )
    assert reload(draft).status == EntryStatus.DRAFT


def test_another_accounts_entries_are_unknown_to_the_actions(enter, tenant, outsider):
    entry = enter()
    with pytest.raises(ValidationError, match="do not exist"):
        services.entry_submit(account=outsider.account, entry_ids=[entry.pk], user=outsider.owner)
    assert reload(entry).status == EntryStatus.DRAFT


# Deleting and the fingerprint --------------------------------------------------------------------


def test_deleting_keeps_the_row_for_the_export_and_changes_its_fingerprint(enter, tenant):
    entry = enter()
    before = entry.fingerprint
    services.entry_delete(entry=entry, user=tenant.owner)
    deleted = reload(entry)
    assert deleted.deleted_at is not None and deleted.fingerprint != before
    with pytest.raises(ValidationError, match="deleted"):
        services.entry_update(entry=deleted, user=tenant.owner, hours=D("2"))
    with pytest.raises(ValidationError, match="do not exist"):
        services.entry_submit(account=tenant.account, entry_ids=[entry.pk], user=tenant.owner)


@pytest.mark.parametrize(
    "change",
    [
        {"hours": D("7")},
        {"billable": False},
        {"description": "Rework"},
        {"date": MONDAY - timedelta(days=1)},
        {"time_type": None},
    ],
)
def test_the_fingerprint_follows_what_an_export_sends(enter, tenant, change):
    entry = enter()
    edited = services.entry_update(entry=entry, user=tenant.owner, **change)
    assert edited.fingerprint != entry.fingerprint
    assert edited.fingerprint == entry_fingerprint(reload(edited))


def test_an_edit_that_changes_nothing_saves_nothing(
    enter, tenant, signals, django_capture_on_commit_callbacks
):
    entry = enter()
    with django_capture_on_commit_callbacks(execute=True):
        same = services.entry_update(entry=entry, user=tenant.owner, hours=D("8.00"))
    assert same.updated_at == entry.updated_at and signals == []


# Crews -------------------------------------------------------------------------------------------


def test_a_crew_day_enters_one_draft_per_active_member(site, tenant):
    site.cal.active = False
    site.cal.save()
    entries = services.crew_day_enter(
        crew=site.crew,
        project=site.project,
        date=MONDAY,
        user=tenant.owner,
        hours=D("8"),
        cost_code=site.framing,
        time_type=site.regular,
    )
    assert sorted(e.employee.first_name for e in entries) == ["Ana", "Ben"]
    assert {(e.crew, e.hours, e.cost_code, e.status) for e in entries} == {
        (site.crew, D("8.00"), site.framing, "draft")
    }


def test_a_crew_day_takes_hours_cost_code_and_time_type_per_member(site, tenant):
    lines = [
        services.CrewLine(employee=site.ana, hours=D("8")),
        services.CrewLine(
            employee=site.ben, hours=D("2"), cost_code=site.drywall, time_type=site.overtime
        ),
    ]
    services.crew_day_enter(
        crew=site.crew,
        project=site.project,
        date=MONDAY,
        user=tenant.owner,
        lines=lines,
        cost_code=site.framing,
        time_type=site.regular,
    )
    rows = TimeCardEntry.objects.order_by("employee__last_name")
    assert [(e.employee, e.hours, e.cost_code, e.time_type) for e in rows] == [
        (site.ana, D("8.00"), site.framing, site.regular),
        (site.ben, D("2.00"), site.drywall, site.overtime),
    ]


def test_a_crew_day_is_all_or_none_and_names_the_member_in_error(site, enter, tenant):
    enter("20", employee=site.ben)
    with pytest.raises(ValidationError, match=r"Ben Baker: .*would have 28\.00 hours"):
        services.crew_day_enter(
            crew=site.crew, project=site.project, date=MONDAY, user=tenant.owner, hours=D("8")
        )
    assert TimeCardEntry.objects.count() == 1


def test_a_crew_day_refuses_strangers_and_a_crew_of_another_office(site, tenant):
    stranger = Employee.objects.create(office=tenant.office, last_name="Stranger")
    with pytest.raises(ValidationError, match="Not active members of Framers: Stranger"):
        services.crew_day_enter(
            crew=site.crew,
            project=site.project,
            date=MONDAY,
            user=tenant.owner,
            lines=[services.CrewLine(employee=stranger, hours=D("8"))],
        )
    north = Office.objects.create(account=tenant.account, name="North")
    site.crew.office = north
    site.crew.save()
    with pytest.raises(ValidationError, match="crew belongs to another office"):
        services.crew_day_enter(
            crew=site.crew, project=site.project, date=MONDAY, user=tenant.owner, hours=D("8")
        )


# The signal and the audit log --------------------------------------------------------------------


def test_the_signal_is_sent_after_commit_with_the_ids_and_the_action(
    site, enter, tenant, signals, django_capture_on_commit_callbacks
):
    account = tenant.account
    with django_capture_on_commit_callbacks() as callbacks:
        entries = services.crew_day_enter(
            crew=site.crew, project=site.project, date=MONDAY, user=tenant.owner, hours=D("8")
        )
    assert signals == []  # nothing before the commit
    for callback in callbacks:
        callback()
    ids = [e.pk for e in entries]
    assert signals == [(account, ids, "updated")]
    steps = [
        (services.entry_submit, {}, "submitted"),
        (services.entry_reject, {"reason": "No"}, "rejected"),
        (services.entry_submit, {}, "submitted"),
        (services.entry_approve, {}, "approved"),
    ]
    for service, extra, action in steps:
        signals.clear()
        with django_capture_on_commit_callbacks(execute=True):
            service(account=account, entry_ids=ids, user=tenant.owner, **extra)
        assert signals == [(account, ids, action)]
    signals.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.entry_update(entry=entries[0], user=tenant.owner, as_approver=True, hours=D("7"))
        services.entry_delete(entry=entries[1], user=tenant.owner, as_approver=True)
    assert signals == [(account, [ids[0]], "updated"), (account, [ids[1]], "deleted")]


def test_a_refused_write_sends_nothing(enter, signals, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        enter("25")
    assert signals == []


def test_every_write_is_audited(site, enter, tenant):
    entry = enter()
    services.entry_update(entry=entry, user=tenant.owner, hours=D("6"))
    services.entry_submit(account=tenant.account, entry_ids=[entry.pk], user=tenant.owner)
    services.entry_approve(account=tenant.account, entry_ids=[entry.pk], user=tenant.owner)
    services.entry_delete(entry=entry, user=tenant.owner, as_approver=True)
    services.crew_day_enter(
        crew=site.crew, project=site.project, date=MONDAY, user=tenant.owner, hours=D("1")
    )
    actions = list(
        AuditEntry.objects.filter(account=tenant.account)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "time_entry.created",
        "time_entry.updated",
        "time_entry.submitted",
        "time_entry.approved",
        "time_entry.deleted",
        "time_entry.crew_day_entered",
    ]
