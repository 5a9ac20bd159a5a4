"""The "cor_push" flow: CORs into one Change Event, per COR outcome, never a duplicate.

A new Change Event carries our origin_id (one per run), so after a lost answer it is found again
rather than made twice. Line items are recognised by their reference tag (see lines.py): a resent
write updates them in place. CORs go in batches; a batch Procore refuses is retried COR by COR,
so one bad COR fails alone and the others still land.
"""

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from itertools import islice

from django.db import transaction
from django.utils import timezone

from apps.core.present import money
from apps.cors.models import ChangeOrderRequest
from apps.projects.models import Project

from ..client import resources
from ..client.errors import OutcomeUnknown, ProcoreError
from ..client.errors import ValidationError as ProcoreRejected
from ..client.http import ProcoreClient
from ..client.idempotent import create_idempotent, first_with_origin_id
from ..client.pages import filters
from ..engine_models import Outcome, SyncItem, SyncRun
from ..live import RunError
from ..mapping.common import MappingError
from ..push_models import CorPush
from ..runs import RunRecorder, sync_settings_for
from .answers import checked_event, read_event
from .catalog import catalog_forget, status_name
from .lines import REMOVED, label, line_attributes, ours, removed_attributes
from .options import PushOptions
from .preflight import Plan, plan_push

BATCH_CORS = 25
PUSH_FIELDS = [
    "procore_project_id",
    "change_event_id",
    "change_event_number",
    "change_event_status",
    "mode",
    "line_ids",
    "budget_codes",
    "contract",
    "pushed_total",
    "fingerprint",
    "pushed_by",
    "pushed_at",
    "status_checked_at",
]
STATUS_FLOW = "change_event_statuses"


def cor_push_flow(run: SyncRun, recorder: RunRecorder) -> None:
    params = run.params
    project = Project.objects.select_related("office").get(pk=params["project_id"])
    cors = list(
        ChangeOrderRequest.objects.filter(pk__in=params.get("cor_ids") or [])
        .select_related("project")
        .prefetch_related("lines__cost_code")
        .order_by("project_id", "number")
    )
    recorder.plan("cor", [c.pk for c in cors])
    options = PushOptions.from_params(params)
    if options.change_event_id is None and params.get("created_change_event_id"):
        # this run (or the one it retries) already made its Change Event: fill that one
        options = replace(options, change_event_id=params["created_change_event_id"])
    plan = plan_push(project, cors, options, fresh=True)
    if plan.blocked:
        raise RunError(" ".join(f"{p.message} {p.fix}" for p in plan.problems if p.cor_id is None))
    run.progress_total = len(cors)
    run.save(update_fields=["progress_total"])
    refused = [c for c in cors if plan.problems_of(c.pk)]
    if refused:
        items = [_refused(plan, c) for c in refused]
        recorder.add(Counter(failed=len(refused)), items, done=len(refused))
    ready = [c for c in cors if not plan.problems_of(c.pk)]
    if ready:
        Pusher(run, plan, recorder).push(ready)
    catalog_forget(plan.connection, plan.procore_project_id)
    settings = sync_settings_for(project.office)
    if STATUS_FLOW not in settings.flows:  # keep the pushed Change Events' statuses current
        settings.flows = {**settings.flows, STATUS_FLOW: True}
        settings.save(update_fields=["flows"])


def _refused(plan: Plan, cor: ChangeOrderRequest) -> SyncItem:
    problems = plan.problems_of(cor.pk)
    return _item(
        cor,
        Outcome.FAILED,
        " ".join(p.message for p in problems),
        fix=" ".join(dict.fromkeys(p.fix for p in problems)),
    )


def _item(cor, outcome: str, message: str, *, fix: str = "", event_id=None) -> SyncItem:
    return SyncItem(
        entity="cor",
        direction="out",
        object_id=cor.pk,
        procore_id=event_id,
        label=f"{label(cor)} {cor.title}"[:200],
        outcome=outcome,
        message=message,
        fix=fix,
    )


class Pusher:
    """One push run: the target Change Event, then the CORs batch by batch."""

    def __init__(self, run: SyncRun, plan: Plan, recorder: RunRecorder) -> None:
        self.run, self.plan, self.recorder = run, plan, recorder
        self.client = ProcoreClient(plan.connection)
        self.project_id = plan.procore_project_id
        self.event_id: int | None = plan.options.change_event_id
        self.event: dict | None = None
        self.prime_contract_set = False

    def push(self, cors: list[ChangeOrderRequest]) -> None:
        if self.event_id is not None:
            self.event = self._read(self.event_id)
        batches = iter(cors)
        while batch := list(islice(batches, BATCH_CORS)):
            self._batch(batch)

    def _batch(self, batch: list[ChangeOrderRequest]) -> None:
        try:
            event = self._write(batch)
            self._set_prime_contract()
        except ProcoreRejected as exc:
            if len(batch) > 1:
                for cor in batch:  # find the COR Procore refuses; the others go through
                    self._batch([cor])
                return
            self._failed(batch, exc)
            return
        except (OutcomeUnknown, ProcoreError) as exc:
            if isinstance(exc, ProcoreError) and exc.status in (401, 403):
                raise
            self._failed(batch, exc)
            return
        except (KeyError, TypeError, ValueError) as exc:  # an answer without the expected shape
            self._failed(batch, ProcoreError(f"Procore's answer was not understood ({exc!r})."))
            return
        self.event = event
        self._record(batch, event)

    def _write(self, batch: list[ChangeOrderRequest]) -> dict:
        """Send the batch; after an unknown outcome read the event back and send what is still
        missing (updates by id are harmless to repeat). Returns the event with its lines."""
        for attempt in range(3):
            try:
                if self.event_id is None:
                    event = self._create(self._attributes(batch))
                    if self._holds(event, batch):
                        return event
                    self.event = event  # an earlier attempt made it: add this batch to it
                return self._written(
                    lambda: resources.change_event_update(
                        self.client,
                        self.event_id,
                        project_id=self.project_id,
                        change_event={
                            "change_event_line_items_attributes": self._attributes(batch)
                        },
                    )
                )
            except OutcomeUnknown:
                if attempt == 2:
                    raise
                if self.event_id is not None:
                    self.event = self._read(self.event_id)
        raise AssertionError("unreachable")

    def _set_prime_contract(self) -> None:
        """A chosen prime contract goes on the Change Event, once a run: v1.0 lines name only a
        commitment (procore-api.md §7.1), v1.1 names the event's `prime_contract_for_estimates`.
        A COR counts as pushed only once Procore holds it, so a failure here fails the batch."""
        contract = self.plan.contract()
        if self.prime_contract_set or not contract or contract["type"] != "prime_contract":
            return
        answer = resources.change_event_prime_contract_set(
            self.client, self.event_id, project_id=self.project_id, prime_contract_id=contract["id"]
        )
        kept = answer.get("prime_contract_for_estimates") if isinstance(answer, dict) else None
        if not isinstance(kept, dict) or kept.get("id") != contract["id"]:
            raise ProcoreError("Procore did not keep the prime contract on the Change Event.")
        self.prime_contract_set = True

    def _read(self, event_id: int) -> dict:
        return read_event(
            lambda: resources.change_event(self.client, event_id, project_id=self.project_id)
        )

    @staticmethod
    def _written(write) -> dict:
        """The answer to a write; one that cannot be relied on is an unknown outcome."""
        try:
            return checked_event(write())
        except MappingError as exc:
            raise OutcomeUnknown(
                f"Procore's answer to the write could not be read ({exc}); it is read back."
            ) from exc

    def _holds(self, event: dict, batch: list[ChangeOrderRequest]) -> bool:
        present = ours(event)
        return all(line.key in present for cor in batch for line in self.plan.wanted[cor.pk])

    def _create(self, items: list[dict]) -> dict:
        # A retry or recovery of a push makes the same Change Event as the push it continues.
        first = SyncRun.objects.get(pk=self.run.params.get("origin_run", self.run.pk))
        origin_id = f"trestle-cor-push-{first.pk}"
        catalog, options = self.plan.catalog, self.plan.options
        body = {
            "title": options.title[:255],
            "change_event_status_id": catalog.open_status_id(),
            "event_scope": "tbd",
            "event_type": "owner_change",
            "origin_id": origin_id,
            "origin_data": f"Trestle COR push {first.pk}",
            "change_event_line_items_attributes": items,
        }
        window = (
            first.created_at - timedelta(minutes=5),
            timezone.now() + timedelta(minutes=5),
        )

        def lookup() -> dict | None:
            listed = resources.change_events(
                self.client, project_id=self.project_id, params=filters(updated_at=window)
            )
            found = first_with_origin_id(listed, origin_id)
            return self._read(found["id"]) if found else None

        event = create_idempotent(
            lookup=lookup,
            create=lambda: self._written(
                lambda: resources.change_event_create(
                    self.client, project_id=self.project_id, change_event=body
                )
            ),
        )
        self.event_id = event["id"]
        self.run.params = {**self.run.params, "created_change_event_id": self.event_id}
        self.plan.options = replace(self.plan.options, change_event_id=self.event_id)
        self.run.save(update_fields=["params"])
        return event

    def _attributes(self, batch: list[ChangeOrderRequest]) -> list[dict]:
        present = ours(self.event or {})
        contract = self.plan.contract()
        items = []
        for cor in batch:
            wanted = self.plan.wanted[cor.pk]
            earlier = self.plan.pushes.get(cor.pk)
            known = (
                dict(earlier.line_ids)
                if earlier and earlier.change_event_id == self.event_id
                else {}
            )
            mine = cor_keys(cor, earlier)
            known |= {key: line["id"] for key, line in present.items() if key in mine}
            items += [line_attributes(line, contract, known.get(line.key)) for line in wanted]
            keep = {line.key for line in wanted}
            for key, procore_id in known.items():
                if key not in keep and not is_removed(present.get(key)):
                    old = (present.get(key) or {}).get("description") or ""
                    items.append(removed_attributes(procore_id, old))
        return items

    def _record(self, batch: list[ChangeOrderRequest], event: dict) -> None:
        present = ours(event)
        counts, items, rows, now = Counter(), [], [], timezone.now()
        number = str(event.get("alphanumeric_number") or event.get("number") or "")
        for cor in batch:
            wanted = self.plan.wanted[cor.pk]
            lines = {line.key: present[line.key]["id"] for line in wanted if line.key in present}
            earlier = self.plan.pushes.get(cor.pk)
            if len(lines) < len(wanted):
                counts["failed"] += 1
                items.append(
                    _item(
                        cor,
                        Outcome.FAILED,
                        "Procore did not keep every line item.",
                        fix="Push the COR again.",
                        event_id=self.event_id,
                    )
                )
                continue
            pushed = sum(
                (Decimal(str(present[k].get("estimated_cost_amount") or 0)) for k in lines),
                Decimal("0"),
            )
            rows.append(
                CorPush(
                    office=self.plan.project.office,
                    cor=cor,
                    procore_project_id=self.project_id,
                    change_event_id=self.event_id,
                    change_event_number=number,
                    change_event_status=status_name(event),
                    mode=self.plan.options.mode,
                    line_ids={**(earlier.line_ids if earlier else {}), **lines},
                    budget_codes={line.key: line.budget_code_id for line in wanted},
                    contract=self.plan.options.contract,
                    pushed_total=pushed,
                    fingerprint=cor.fingerprint,
                    pushed_by=self.run.requested_by,
                    pushed_at=now,
                    status_checked_at=now,
                )
            )
            outcome = Outcome.CREATED if earlier is None else Outcome.UPDATED
            message = f"In Change Event {number}: {money(pushed)}."
            if earlier is not None:
                message = (
                    f"Change Event {number} updated: {money(earlier.pushed_total)} -> "
                    f"{money(pushed)}."
                )
            if pushed != cor.total:
                message += f" Procore's total differs from the COR's ({money(cor.total)})."
            if self.prime_contract_set:
                message += f" Prime contract {self.plan.contract()['number']} on the Change Event."
            counts[outcome] += 1
            items.append(_item(cor, outcome, message, event_id=self.event_id))
        # The pushes and the run's items land together: a worker killed between them would
        # leave CORs pushed here but undone for recovery, which would push them again.
        with transaction.atomic():
            CorPush.objects.bulk_create(  # one statement per batch, new pushes and re-pushes
                rows,
                update_conflicts=True,
                unique_fields=["office", "cor"],
                update_fields=PUSH_FIELDS,
            )
            self.recorder.add(counts, items, done=len(batch))

    def _failed(self, batch: list[ChangeOrderRequest], exc: ProcoreError) -> None:
        fix = "Retry failed: the push looks up what landed first, so nothing is added twice."
        if isinstance(exc, ProcoreRejected):
            fix = "Correct the COR or its budget codes, then push it again."
        items = [
            _item(
                cor,
                Outcome.FAILED,
                exc.message + (f" {exc.detail}" if exc.detail else ""),
                fix=fix,
                event_id=self.event_id,
            )
            for cor in batch
        ]
        self.recorder.add(Counter(failed=len(batch)), items, done=len(batch))


def cor_keys(cor: ChangeOrderRequest, earlier: CorPush | None) -> set[str]:
    """The tags of `cor`'s Procore lines: its lines and their markup now, its lump sum, and lines
    an edit removed."""
    lines = [line.pk for line in cor.lines.all()]
    keys = {f"cor:{cor.pk}", *(f"{kind}:{pk}" for pk in lines for kind in ("line", "markup"))}
    return keys | set(earlier.line_ids if earlier else ())


def is_removed(line: dict | None) -> bool:
    if line is None:
        return False
    zero = Decimal(str(line.get("estimated_cost_amount") or 0)) == 0
    return zero and str(line.get("description") or "").startswith(REMOVED)
