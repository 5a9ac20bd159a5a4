"""Everything checked before a push sends anything, each problem on what it concerns with the fix.

The wizard shows it before Push; the push runs it again (Procore may have changed meanwhile)
and sends nothing for a COR with a problem, while the other CORs go ahead.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from apps.cors.models import ChangeOrderRequest, CorStatus
from apps.projects.models import Project

from ..client.errors import ProcoreError
from ..live import RunError, live_connection
from ..models import ProcoreConnection
from ..project_mapping import project_mapping
from ..push_models import CorPush
from .catalog import Catalog, catalog_for
from .lines import WantedLine, label, wanted_lines
from .options import PushOptions

MAX_AMOUNT = Decimal("9999999999.99")
NOT_PUSHABLE = {CorStatus.VOID: "void", CorStatus.REJECTED: "rejected"}


@dataclass(frozen=True)
class Problem:
    message: str
    fix: str
    cor_id: int | None = None
    line_key: str | None = None
    awaits_choice: bool = False  # a choice not made yet: a hint until the user pushes without it


@dataclass
class Plan:
    """A checked push: the target, and per COR the lines it becomes and its earlier push."""

    project: Project
    connection: ProcoreConnection | None = None
    procore_project_id: int | None = None
    catalog: Catalog | None = None
    options: PushOptions | None = None
    cors: list[ChangeOrderRequest] = field(default_factory=list)
    wanted: dict[int, list[WantedLine]] = field(default_factory=dict)
    pushes: dict[int, CorPush] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        """A problem of the push as a whole: nothing can be sent."""
        return any(p.cor_id is None for p in self.problems)

    def problems_of(self, cor_id: int) -> list[Problem]:
        return [p for p in self.problems if p.cor_id == cor_id]

    def contract(self) -> dict | None:
        return self.catalog.contract(self.options.contract) if self.catalog else None


def plan_push(
    project: Project, cors: list[ChangeOrderRequest], options: PushOptions, *, fresh: bool = False
) -> Plan:
    plan = Plan(project=project, options=options, cors=cors)
    mapping = project_mapping(project)
    if mapping is None or mapping.procore_id is None:
        plan.problems.append(
            Problem(
                f"Project {project} is not mapped to a Procore project.",
                "Map it in Project > Advanced Settings > Procore.",
            )
        )
        return plan
    plan.procore_project_id = mapping.procore_id
    try:
        plan.connection = live_connection(project.office)
        plan.catalog = catalog_for(plan.connection, mapping.procore_id, fresh=fresh)
    except RunError as exc:
        plan.problems.append(Problem(str(exc), "Connect Procore in Office Integrations."))
        return plan
    except ProcoreError as exc:
        plan.problems.append(
            Problem(
                f"Procore cannot be reached: {exc.message}",
                "Check the connection's health, then try again.",
            )
        )
        return plan
    _check_target(plan)
    plan.pushes = {
        p.cor_id: p
        for p in CorPush.objects.filter(office=project.office, cor__in=[c.pk for c in cors])
    }
    for cor in cors:
        _check_cor(plan, cor)
    return plan


def _check_target(plan: Plan) -> None:
    catalog, options = plan.catalog, plan.options
    if options.change_event_id is not None:
        event = catalog.change_event(options.change_event_id)
        if event is None:
            plan.problems.append(
                Problem(
                    "That Change Event is not in the Procore project.",
                    "Pick another Change Event or create a new one.",
                )
            )
        elif not event["open"]:
            plan.problems.append(
                Problem(
                    f"Change Event {event['number']} is {event['status'].lower()}.",
                    "Reopen it in Procore, or push into another Change Event.",
                )
            )
    elif catalog.open_status_id() is None:
        plan.problems.append(
            Problem(
                "The Procore project has no open Change Event status.",
                "Add one in Procore's Change Events settings.",
            )
        )
    if not options.contract:
        plan.problems.append(
            Problem(
                "No contract chosen.",
                "Choose the prime contract or a commitment.",
                awaits_choice=True,
            )
        )
    else:
        contract = catalog.contract(options.contract)
        if contract is None:
            plan.problems.append(
                Problem(
                    "That contract is not in the Procore project.",
                    "Choose the prime contract or a commitment.",
                )
            )
        elif not contract["usable"]:
            plan.problems.append(
                Problem(
                    f"Contract {contract['number']} is {contract['status'].lower()}.",
                    "Choose a contract that is still open.",
                )
            )
    if options.default_budget_code_id and not catalog.budget_code(options.default_budget_code_id):
        plan.problems.append(
            Problem(
                "The default budget code is not on the Procore project.",
                "Choose one of the project's budget codes.",
            )
        )


def _check_cor(plan: Plan, cor: ChangeOrderRequest) -> None:
    problems = plan.problems
    name = label(cor)
    if cor.status in NOT_PUSHABLE:
        problems.append(
            Problem(
                f"{name} is {NOT_PUSHABLE[cor.status]}.",
                "Only draft, sent or approved CORs are pushed.",
                cor.pk,
            )
        )
        return
    earlier = plan.pushes.get(cor.pk)
    target = plan.options.change_event_id
    if earlier and earlier.change_event_id and target != earlier.change_event_id:
        problems.append(
            Problem(
                f"{name} is already in Change Event {earlier.change_event_number}.",
                f"Push it again into Change Event {earlier.change_event_number}: it is updated "
                "there, never added twice.",
                cor.pk,
            )
        )
        return
    lines = list(cor.lines.all())
    if not any(line.amount for line in lines):  # a credit (negative) COR is pushed as it is
        problems.append(
            Problem(f"{name} has no amount to push.", "Add priced line items to the COR.", cor.pk)
        )
        return
    if abs(cor.total) > MAX_AMOUNT:
        problems.append(
            Problem(f"{name}'s total is larger than Procore accepts.", "Split the COR.", cor.pk)
        )
    wanted = wanted_lines(cor, lines, plan.options, plan.catalog)
    plan.wanted[cor.pk] = wanted
    # a markup line goes on its cost line's budget code, checked with that line
    for n, line in enumerate((w for w in wanted if not w.is_markup), start=1):
        where = "" if line.key.startswith("cor:") else f" line {n}"
        if line.budget_code_id is None:
            problems.append(
                Problem(
                    f"{name}{where} has no budget code.",
                    "Choose one: no budget code of the project matches its cost code and type.",
                    cor.pk,
                    line.key,
                )
            )
        elif plan.catalog.budget_code(line.budget_code_id) is None:
            problems.append(
                Problem(
                    f"{name}{where}: budget code {line.budget_code_id} is not on the project.",
                    "Choose one of the project's budget codes.",
                    cor.pk,
                    line.key,
                )
            )
