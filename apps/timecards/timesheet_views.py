"""The weekly timesheet of one employee, and a crew's day entered by its foreman."""

from datetime import date as Date
from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from apps.accounts import policy
from apps.accounts.policy import permission_required
from apps.core.limits import validate_entered_date
from apps.projects.models import CostCode, Project, SubJob

from . import services
from .dates import office_today, project_today, week_start
from .forms import CrewDayForm, add_service_error
from .models import Crew, Employee, TimeType
from .selectors import Week, employee_for_user, live_entries, week_grid
from .timesheet import CellChange, Line, timesheet_save


def _hours(text: str) -> Decimal | None:
    """Typed hours: blank or 0 is no hours; anything else must be a valid number of hours."""
    text = (text or "").strip()
    if text in ("", "0"):
        return None
    return services.clean_hours(text)


def _monday(request: HttpRequest, employee: Employee | None) -> Date:
    """The week asked for, else this week where the employee's office is; a malformed or
    out-of-range week says so rather than quietly showing another."""
    asked = request.GET.get("week", "")
    try:
        day = Date.fromisoformat(asked)
        validate_entered_date(day)
    except (ValueError, ValidationError) as exc:
        if asked:
            reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else "Not a date."
            messages.error(request, f"Week {asked[:20]}: {reason} Showing this week instead.")
        day = office_today(employee.office) if employee else timezone.localdate()
    return week_start(day)


def _scoped(model, account, value: str):
    """The account's record with id `value`, or None (blank, malformed or another account's)."""
    if not (value or "").isdigit():
        return None
    return model.objects.for_account(account).filter(pk=value).first()


# The weekly timesheet ----------------------------------------------------------------------------


def _new_line(data: QueryDict, account) -> Line | None:
    project = _scoped(Project, account, data.get("new-project", ""))
    if project is None:
        return None
    return Line(
        project=project,
        sub_job=_scoped(SubJob, account, data.get("new-sub_job", "")),
        cost_code=_scoped(CostCode, account, data.get("new-cost_code", "")),
        time_type=_scoped(TimeType, account, data.get("new-time_type", "")),
    )


def _changes(data: QueryDict, week: Week, account) -> list[CellChange]:
    """The hours typed into the grid: the week's lines first, then the new line's cells."""
    changes: dict[tuple[str, Date], CellChange] = {}
    for row in week.rows:
        line = Line(
            row.sample.project, row.sample.sub_job, row.sample.cost_code, row.sample.time_type
        )
        for day in week.days:
            name = f"h-{row.key}-{day.isoformat()}"
            if name in data:
                changes[(row.key, day)] = CellChange(line, day, _hours(data[name]))
    typed = {day: _hours(data.get(f"new-h-{day.isoformat()}", "")) for day in week.days}
    if any(typed.values()):
        line = _new_line(data, account)
        if line is None:
            raise ValidationError("Choose the project of the new line.")
        for day, hours in typed.items():
            if hours is not None:
                changes[(line.key, day)] = CellChange(line, day, hours)
    return list(changes.values())


def _new_line_typed(week: Week, posted: QueryDict) -> dict:
    """The new line's inputs as typed (blank on a first view), and the grid's typed cells."""
    for row in week.rows:
        for cell in row.cells:
            cell.typed = posted.get(f"h-{row.key}-{cell.day.isoformat()}")
    names = ("project", "sub_job", "cost_code", "time_type")
    typed = {name: posted.get(f"new-{name}", "") for name in names}
    typed["cells"] = [(day, posted.get(f"new-h-{day.isoformat()}", "")) for day in week.days]
    return typed


@login_required
@permission_required("time.view")
def timecard_timesheet(request):
    """One employee's week, Monday to Sunday, with totals per day and for the week."""
    account = request.account
    employees = Employee.objects.for_account(account).filter(active=True)
    employee = _scoped(Employee, account, request.GET.get("employee", ""))
    employee = employee or employee_for_user(account, request.user)
    monday = _monday(request, employee)
    week = week_grid(account=account, employee=employee, monday=monday) if employee else None
    status, posted = 200, QueryDict()
    if request.method == "POST" and week is not None:
        policy.require(request.membership, "time.enter")
        try:
            changes = _changes(request.POST, week, account)
            count = timesheet_save(
                account=account,
                employee=employee,
                monday=monday,
                changes=changes,
                user=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status, posted = 400, request.POST
        else:
            messages.success(request, f"Saved {count} day{'s' if count != 1 else ''}.")
            url = reverse("timecard_timesheet")
            return redirect(f"{url}?employee={employee.pk}&week={monday.isoformat()}")
    context = {
        "new_line": _new_line_typed(week, posted) if week else {},
        "employees": employees,
        "employee": employee,
        "week": week,
        "monday": monday,
        "previous_week": monday - timedelta(days=7),
        "next_week": monday + timedelta(days=7),
        "projects": Project.objects.for_account(account).filter(active=True),
        "sub_jobs": SubJob.objects.for_account(account)
        .filter(active=True)
        .select_related("project"),
        "cost_codes": CostCode.objects.for_account(account).filter(active=True),
        "time_types": TimeType.objects.for_account(account).filter(active=True),
    }
    return render(request, "timecards/timesheet.html", context, status=status)


# A crew's day ------------------------------------------------------------------------------------


def _crew_lines(data: QueryDict, crew: Crew, account, hours: Decimal | None) -> list:
    """A line per ticked member: their own hours, cost code and time type, else the day's."""
    lines = []
    for member in crew.members.filter(active=True):
        prefix = f"m-{member.pk}-"
        if not data.get(f"{prefix}on"):
            continue
        own = _hours(data.get(f"{prefix}hours", ""))
        if own is None and hours is None:
            raise ValidationError(f"Give {member}'s hours, or hours for every member.")
        lines.append(
            services.CrewLine(
                employee=member,
                hours=own or hours,
                cost_code=_scoped(CostCode, account, data.get(f"{prefix}cost_code", "")),
                time_type=_scoped(TimeType, account, data.get(f"{prefix}time_type", "")),
            )
        )
    return lines


def _member_rows(crew: Crew, posted: QueryDict) -> list[dict]:
    """Each active member's inputs: ticked with blank hours at first, as typed after a refusal."""
    rows = []
    for member in crew.members.filter(active=True):
        prefix = f"m-{member.pk}-"
        row = {name: posted.get(prefix + name, "") for name in ("hours", "cost_code", "time_type")}
        row.update(member=member, prefix=prefix, on=bool(posted.get(prefix + "on")) or not posted)
        rows.append(row)
    return rows


def _crew_choice(data: QueryDict, account) -> tuple[Crew | None, Project | None, Date | None]:
    """The crew, project and day of the page; the project defaults to the crew's, the day to
    today at the project."""
    crew = _scoped(Crew, account, data.get("crew", ""))
    project = _scoped(Project, account, data.get("project", ""))
    if project is None and crew is not None and crew.project_id:
        project = crew.project
    try:
        day = Date.fromisoformat(data.get("date", ""))
    except ValueError:
        day = project_today(project) if project is not None else None
    return crew, project, day


@login_required
@permission_required("time.view")
def timecard_crew(request):
    """Pick a crew, project and day; type each member's hours; "Enter crew day" makes a draft per
    member in one go. The crew's entries of that day are listed below, to submit them."""
    account = request.account
    crew, project, day = _crew_choice(request.POST or request.GET, account)
    initial = {"crew": crew, "project": project, "date": day, "billable": True}
    form = CrewDayForm(request.POST or None, initial=initial, account=account)
    status = 200
    if request.method == "POST":
        policy.require(request.membership, "time.enter")
        if form.is_valid():
            data = form.cleaned_data
            try:
                lines = _crew_lines(request.POST, data["crew"], account, data["hours"])
                entries = services.crew_day_enter(
                    crew=data["crew"],
                    project=data["project"],
                    date=data["date"],
                    user=request.user,
                    lines=lines,
                    sub_job=data["sub_job"],
                    cost_code=data["cost_code"],
                    time_type=data["time_type"],
                    billable=data["billable"],
                    description=data["description"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, f"Entered {len(entries)} entries for {data['crew']}.")
                query = f"crew={data['crew'].pk}&project={data['project'].pk}"
                query += f"&date={data['date'].isoformat()}"
                return redirect(f"{reverse('timecard_crew')}?{query}")
        status = 400
    entries = []
    if crew and project and day:
        entries = live_entries(account).filter(crew=crew, project=project, date=day)
        entries = entries.select_related("employee", "cost_code", "time_type").order_by(
            "employee__last_name", "employee__first_name", "pk"
        )
    context = {
        "form": form,
        "crew": crew,
        "project": project,
        "day": day,
        "crews": Crew.objects.for_account(account).filter(active=True),
        "projects": Project.objects.for_account(account).filter(active=True),
        "members": _member_rows(crew, request.POST) if crew else [],
        "entries": entries,
        "cost_codes": CostCode.objects.for_account(account).filter(active=True),
        "time_types": TimeType.objects.for_account(account).filter(active=True),
    }
    return render(request, "timecards/crew_day.html", context, status=status)
