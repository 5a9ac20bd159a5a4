"""The COR comparer: each pushed COR against the lines of its Change Event in Procore.

Reads each Procore project's pushed Change Events with the v1.0 list, which carries every
event's `change_event_line_items` (its OAS response schema and the sandbox agree), asking for
IDS_PER_REQUEST ids at a time at the largest page size: ceil(events / 100) requests per project,
never one per COR or per event. Lines are matched by their reference tag (cor_push/lines.py).
A project whose pushes chose the prime contract is also listed once with v1.1, whose events name
their prime contract (v1.0 lines name only a commitment): ceil(events / 2,000) more requests.

Which side changed is judged from what the push recorded (CorPush): the COR's fingerprint no
longer the push's means Trestle changed; Procore holding other than what was pushed (the pushed
total, budget codes, contract, status) means Procore changed.
"""

from collections import defaultdict
from decimal import Decimal, InvalidOperation
from itertools import islice

from apps.core import present
from apps.offices.models import Office

from ..client import resources
from ..client.http import ProcoreClient
from ..client.pages import filters, per_page_for
from ..cor_push.answers import checked_event
from ..cor_push.catalog import Catalog, status_name
from ..cor_push.lines import TAG, WantedLine, label, ours, wanted_lines
from ..cor_push.options import PushOptions
from ..cor_push.push import cor_keys, is_removed
from ..engine_models import Outcome, SyncItem
from ..mapping.common import MappingError
from ..push_models import CorPush
from ..reconcile_models import Difference, DiffField, Repair, Side
from .comparison import WHERE, Comparison, side_of

FLOW = "cor_push"
V11_EVENTS = "/rest/v1.1/change_events"
IDS_PER_REQUEST = 100  # `filters[id][]` values per list request: the URL stays short


def cors_compare(office: Office, client: ProcoreClient) -> Comparison:
    """Every difference between the office's pushed CORs and their Change Events."""
    result = Comparison()
    for project_id, pushes in pushes_by_project(office).items():
        event_ids = {p.change_event_id for p in pushes}
        result.requests_min += -(-len(event_ids) // IDS_PER_REQUEST)
        events, unsure = events_read(client, project_id, event_ids, result.unread)
        sure = [p for p in pushes if p.change_event_id not in unsure]
        result.differences += project_differences(client, project_id, sure, events, result)
    return result


def project_differences(
    client: ProcoreClient,
    project_id: int,
    pushes: list[CorPush],
    events: dict[int, dict],
    result: Comparison,
) -> list[Difference]:
    """The differences of these pushes of one project, given their Change Events as read (one
    missing from `events` was deleted in Procore)."""
    found = []
    primes = _primes_read(client, project_id, pushes, result)
    for push in pushes:
        event = events.get(push.change_event_id)
        found += push_differences(push, event)
        if event is not None and push.change_event_id in primes:
            found += _prime_differences(push, primes[push.change_event_id])
    return found


def _primes_read(
    client: ProcoreClient, project_id: int, pushes: list[CorPush], result: Comparison
) -> dict[int, int | None]:
    """The prime contract id each Change Event names, when a push of the project chose one."""
    if not any((p.contract or {}).get("type") == "prime_contract" for p in pushes):
        return {}
    primes, listed = {}, 0
    for event in resources.change_events_v11(client, project_id=project_id):
        listed += 1
        if isinstance(event, dict) and _id(event.get("id")):
            chosen = event.get("prime_contract_for_estimates")
            primes[event["id"]] = _id(chosen.get("id")) if isinstance(chosen, dict) else None
    result.requests_min += max(-(-listed // per_page_for(V11_EVENTS)), 1)
    return primes


def _prime_differences(push: CorPush, held: int | None) -> list[Difference]:
    contract = push.contract or {}
    if contract.get("type") != "prime_contract" or held == contract["id"]:
        return []
    return [
        _difference(
            push, DiffField.CONTRACT, Side.PROCORE, key="", line=None,
            trestle=f"prime contract #{contract['id']}",
            procore=f"prime contract #{held}" if held else "none",
            what=f"prime contract of Change Event {push.change_event_number}",
        )
    ]  # fmt: skip


def pushes_by_project(
    office: Office, event_ids: set[int] | None = None
) -> dict[int, list[CorPush]]:
    """The office's pushes into a Change Event (into those of `event_ids`, when given), with
    what comparing them reads of their CORs."""
    pushes = CorPush.objects.filter(office=office, change_event_id__isnull=False)
    if event_ids is not None:
        pushes = pushes.filter(change_event_id__in=event_ids)
    pushes = (
        pushes.select_related("cor")
        .prefetch_related("cor__lines__cost_code")
        .order_by("procore_project_id", "cor_id")
    )
    grouped: dict[int, list[CorPush]] = defaultdict(list)
    for push in pushes:
        grouped[push.procore_project_id].append(push)
    return grouped


def events_read(
    client: ProcoreClient, project_id: int, event_ids: set[int], unread: list[SyncItem]
) -> tuple[dict[int, dict], set[int]]:
    """The listed Change Events by id, and the ids not known to exist or not: those missing
    from a list that held an unreadable event, which is never reported as deleted."""
    events: dict[int, dict] = {}
    unsure: set[int] = set()
    ids = iter(sorted(event_ids))
    while chunk := list(islice(ids, IDS_PER_REQUEST)):
        listed = resources.change_events(client, project_id=project_id, params=filters(id=chunk))
        failed = False
        for number, event in enumerate(listed, start=1):
            try:
                events[checked_event(event)["id"]] = event
            except MappingError as exc:
                failed = True
                unread.append(_unread_item(number, exc))
        if failed:
            unsure |= {i for i in chunk if i not in events}
    return events, unsure


def _unread_item(number: int, exc: MappingError) -> SyncItem:
    return SyncItem(
        entity="change_event",
        direction="in",
        label=f"Change Event #{number} of Procore's list",
        outcome=Outcome.FAILED,
        message=f"Procore's answer could not be read ({exc}); its CORs were not compared.",
        fix="Run the report again.",
    )


def push_differences(push: CorPush, event: dict | None) -> list[Difference]:
    """What differs between the COR as pushed (and as it is now) and its Change Event."""
    if event is None:
        return [_deleted(push)]
    trestle_changed = push.cor.fingerprint != push.fingerprint
    wanted = {line.key: line for line in _wanted(push)}
    mine = cor_keys(push.cor, push)
    present = {k: line for k, line in ours(event).items() if k in mine}
    pushed_lines = [line for k, line in present.items() if k in push.line_ids]
    procore_changed = sum(map(_amount, pushed_lines), Decimal("0")) != push.pushed_total
    found = []
    for key, want in wanted.items():
        if key in present:
            found += _line_differences(push, want, present[key], trestle_changed, procore_changed)
        else:
            found.append(_missing(push, want))
    for key, line in present.items():
        if key not in wanted and not is_removed(line) and _amount(line) != 0:
            found.append(_extra(push, key, line))
    status = status_name(event)
    if status and status != push.change_event_status:
        found.append(_status(push, status))
    return found


def _wanted(push: CorPush) -> list[WantedLine]:
    """The COR's lines as a push now would send them, with the budget codes it chose."""
    codes = {k: v for k, v in push.budget_codes.items() if v}
    options = PushOptions(mode=push.mode, budget_codes=codes)
    catalog = Catalog(push.procore_project_id, [], [], [], [])
    return wanted_lines(push.cor, list(push.cor.lines.all()), options, catalog)


def _line_differences(
    push: CorPush, want: WantedLine, line: dict, trestle_changed: bool, procore_changed: bool
) -> list[Difference]:
    found = []
    name = _name(want.description)
    if _amount(line) != want.amount:
        # an unchanged COR still wants what was pushed: the difference is then Procore's
        side = side_of(trestle_changed, procore_changed or not trestle_changed)
        found.append(
            _difference(
                push, DiffField.AMOUNT, side, key=want.key, line=line,
                trestle=f"{want.amount:.2f}", procore=f"{_amount(line):.2f}",
                what=f"amount for line '{name}'",
            )
        )  # fmt: skip
    code = _id((line.get("budget_code") or {}).get("id") if isinstance(line, dict) else None)
    pushed_code = push.budget_codes.get(want.key)
    if want.budget_code_id is not None and code != want.budget_code_id:
        side = side_of(want.budget_code_id != pushed_code, code != pushed_code)
        flat = (line.get("budget_code") or {}).get("flat_code") or ""
        found.append(
            _difference(
                push, DiffField.BUDGET_CODE, side, key=want.key, line=line,
                trestle=f"#{want.budget_code_id}", procore=f"{flat} (#{code})" if code else "none",
                what=f"budget code for line '{name}'",
            )
        )  # fmt: skip
    contract = push.contract or {}
    if contract.get("type") == "commitment":
        held = _id(line.get("proposed_contract_id") or (line.get("contract") or {}).get("id"))
        if held != contract["id"]:
            found.append(
                _difference(
                    push, DiffField.CONTRACT, Side.PROCORE, key=want.key, line=line,
                    trestle=f"commitment #{contract['id']}",
                    procore=f"commitment #{held}" if held else "none",
                    what=f"contract for line '{name}'",
                )
            )  # fmt: skip
    return found


def _difference(
    push: CorPush, kind: str, side: str, *, key: str, line: dict | None, trestle: str,
    procore: str, what: str, repair: str = Repair.PUSH_AGAIN,
) -> Difference:  # fmt: skip
    verb = "pushed" if side == Side.PROCORE else "has"
    return Difference(
        office_id=push.office_id,
        flow=FLOW,
        object_id=push.cor_id,
        label=f"{label(push.cor)} {push.cor.title}",
        procore_project_id=push.procore_project_id,
        change_event_id=push.change_event_id,
        line_item_id=_id(line.get("id")) if line else push.line_ids.get(key),
        procore_id=(_id(line.get("id")) if line else push.line_ids.get(key))
        or push.change_event_id,
        key=key,
        field=kind,
        trestle_value=trestle,
        procore_value=procore,
        side=side,
        repair=repair,
        message=f"Procore's {what} is {_shown(kind, procore)}; Trestle {verb} "
        f"{_shown(kind, trestle)}; {WHERE[side]}.",
    )


def _shown(kind: str, value: str) -> str:
    """An amount as a person reads it ("$4,000.00"); the stored value stays plain for the CSV."""
    return present.money(value) if kind == DiffField.AMOUNT else value


def _missing(push: CorPush, want: WantedLine) -> Difference:
    name = _name(want.description)
    if want.key in push.line_ids:  # pushed, and gone from Procore
        side, what = Side.PROCORE, f"Change Event {push.change_event_number} lacks line '{name}'"
    else:
        side, what = Side.TRESTLE, f"Line '{name}' was added to the COR after its push"
    difference = _difference(
        push, DiffField.MISSING_LINE, side, key=want.key, line=None,
        trestle=f"{want.amount:.2f}", procore="missing", what="",
    )  # fmt: skip
    difference.message = (
        f"{what}: Trestle {present.money(want.amount)}, Procore none; {WHERE[side]}."
    )
    return difference


def _extra(push: CorPush, key: str, line: dict) -> Difference:
    side = Side.TRESTLE if key in push.line_ids else Side.UNKNOWN
    name = _name(str(line.get("description") or ""))
    difference = _difference(
        push, DiffField.EXTRA_LINE, side, key=key, line=line,
        trestle="removed", procore=f"{_amount(line):.2f}", what="",
    )  # fmt: skip
    difference.message = (
        f"Procore still holds line '{name}' at {present.money(_amount(line))}; the COR no "
        f"longer has it; {WHERE[side]}."
    )
    return difference


def _status(push: CorPush, status: str) -> Difference:
    return _difference(
        push, DiffField.STATUS, Side.PROCORE, key="", line=None,
        trestle=push.change_event_status or "unknown", procore=status,
        what=f"status of Change Event {push.change_event_number}", repair=Repair.UPDATE_LOG,
    )  # fmt: skip


def _deleted(push: CorPush) -> Difference:
    difference = _difference(
        push, DiffField.EVENT_DELETED, Side.PROCORE, key="", line=None,
        trestle=f"Change Event {push.change_event_number}", procore="deleted", what="",
        repair=Repair.PUSH_NEW_EVENT,
    )  # fmt: skip
    difference.message = (
        f"Change Event {push.change_event_number} is no longer in Procore; "
        f"Trestle pushed {label(push.cor)} into it; changed in Procore."
    )
    return difference


def _amount(line: dict) -> Decimal:
    try:
        return Decimal(str(line.get("estimated_cost_amount") or 0)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return Decimal("0")


def _id(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _name(description: str) -> str:
    return TAG.sub("", description).strip()
