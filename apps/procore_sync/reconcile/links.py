"""The linked records comparer: each linked Trestle record's synced fields against Procore's.

Each entity kind is read with its list (per project for sub-jobs and crews, only the projects
that have linked ones) at the largest page size: ceil(records / per_page) requests per list,
never one per record. Both sides are compared in the shape the mapping gives Procore's record
(importers/upsert.py `procore_mapped`), which is what the link's fingerprint is a print of: the
kind's fields, its relations as Procore ids, its custom fields. A kind synced out only is
compared on the fields its `*_to_procore` writes.

Which side changed is judged from the link (ExternalRef): the local record's print no longer its
fingerprint means Trestle changed; Procore's record's print no longer it (synced out only: its
`updated_at` later than the one last synced) means Procore changed. A link without a fingerprint
(a project just mapped, a link made again) has nothing synced to compare yet: the next entities
run brings its two records in step.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from copy import copy
from dataclasses import dataclass, field
from itertools import product

from django.db import models

from apps.offices.models import CustomField, Office
from apps.projects.models import Project

from ..client import resources
from ..client.http import ProcoreClient
from ..client.pages import per_page_for
from ..engine_models import Direction, ExternalRef, LinkState, Outcome, SyncItem
from ..entities import ENTITIES, Batch, Entity
from ..exporters.entities import OUTGOING
from ..importers.upsert import ImportOptions, local_values, procore_mapped, synced_print
from ..mapping.common import MappingError, is_procore_id, moment
from ..mapping.custom_fields import MAX_FIELDS
from ..reconcile_models import Difference, DiffField, Repair, Side
from ..runs import sync_settings_for
from .comparison import WHERE, Comparison, side_of

FLOW = "entities"
CUSTOM = "custom_field_"
# A record the mapping cannot read: its own failure, as the importer counts it (upsert.py).
UNREADABLE = (MappingError, LookupError, TypeError, ValueError, AttributeError)
MAX_SPLIT = 8  # differing fields of one record tried one side or the other: 2**8 prints at most


@dataclass(frozen=True)
class Scope:
    """Where one list is read: the company, and the project for project-level kinds."""

    company_id: int
    cost_code_list_id: int | None
    project_id: int | None = None


@dataclass(frozen=True)
class Listing:
    path: str | None  # for its page size; None: one request, not paged
    read: Callable[[ProcoreClient, Scope], Iterable[dict]]


# Each kind's list as the entity sync reads it (importers/fetch.py).
LISTINGS = {
    "work_classifications": Listing(
        "/rest/v1.0/companies/{company_id}/work_classifications",
        lambda c, s: resources.work_classifications(c, company_id=s.company_id),
    ),
    "employees": Listing(
        "/rest/v1.3/companies/{company_id}/users",
        lambda c, s: resources.company_users(c, company_id=s.company_id),
    ),
    "projects": Listing(
        "/rest/v1.1/projects",
        lambda c, s: resources.projects(
            c, company_id=s.company_id, params={"filters[by_status]": "All"}
        ),
    ),
    "sub_jobs": Listing(
        "/rest/v1.0/sub_jobs", lambda c, s: resources.sub_jobs(c, project_id=s.project_id)
    ),
    "cost_codes": Listing(
        "/rest/v1.0/standard_cost_codes",
        lambda c, s: resources.standard_cost_codes(
            c, company_id=s.company_id, standard_cost_code_list_id=s.cost_code_list_id
        ),
    ),
    "time_types": Listing(
        None, lambda c, s: resources.timecard_time_types(c, company_id=s.company_id)
    ),
    "crews": Listing(
        "/rest/v1.0/projects/{project_id}/crews",
        lambda c, s: resources.crews(c, project_id=s.project_id),
    ),
    "vendors": Listing(
        "/rest/v1.0/vendors", lambda c, s: resources.vendors(c, company_id=s.company_id)
    ),
}


@dataclass
class Links:
    """The office's links, loaded once: the compared ones by kind, and every Procore id by local
    record (relations resolve through links of any state, as the sync resolves them)."""

    compared: dict[str, list[ExternalRef]] = field(default_factory=lambda: defaultdict(list))
    procore_ids: dict[tuple[str, int], int] = field(default_factory=dict)
    linked: set[tuple[str, int]] = field(default_factory=set)  # (procore_type, procore id)
    unlinked: set[tuple[str, int]] = field(default_factory=set)  # (procore_type, local pk)

    @classmethod
    def load(cls, office: Office) -> "Links":
        links = cls()
        rows = ExternalRef.objects.filter(office=office).exclude(procore_id=None)
        for ref in rows.order_by("pk"):
            links.procore_ids[(ref.procore_type, ref.object_id)] = ref.procore_id
            links.linked.add((ref.procore_type, ref.procore_id))
            if ref.state == LinkState.UNLINKED:
                links.unlinked.add((ref.procore_type, ref.object_id))
            elif ref.fingerprint:  # empty: just mapped or linked again, nothing synced yet
                links.compared[ref.procore_type].append(ref)
        return links

    def procore_id(self, procore_type: str, pk: int | None) -> int | None:
        return self.procore_ids.get((procore_type, pk)) if pk is not None else None


@dataclass
class Listed:
    """One list as read: Procore's ids, the linked records mapped (None: not one of the kind,
    e.g. a user who is not an employee), and whether an entry without a readable id makes
    every missing link unsure (never reported deleted)."""

    ids: set[int] = field(default_factory=set)
    mapped: dict[int, tuple[dict, dict | None]] = field(default_factory=dict)
    unsure: bool = False


def links_compare(office: Office, client: ProcoreClient) -> Comparison:
    """Every difference between the office's linked records and their Procore records."""
    result = Comparison()
    settings = sync_settings_for(office)
    links = Links.load(office)
    options = ImportOptions(
        office=office, auto_import=False, two_way=False, custom_fields=_definitions(office)
    )
    company_id = client.connection.company_id
    for entity, direction in _synced(settings):
        refs = links.compared.get(entity.procore_type)
        if not refs:
            continue
        records = _locals(entity, refs)
        for project_id, scoped in _by_project(entity, refs, records, links).items():
            scope = Scope(company_id, settings.cost_code_list_id, project_id)
            listed = _read(client, entity, scope, {r.procore_id for r in scoped}, options, result)
            for ref in scoped:
                compare = Compared(entity, direction, ref, records[ref.object_id], scope, links)
                result.differences += compare.differences(listed, options)
    return result


def _synced(settings) -> Iterable[tuple[Entity, str]]:
    """The kinds the office syncs, with their direction (as engine.entities_of decides)."""
    for entity in ENTITIES.values():
        direction = settings.direction(entity.name)
        if direction == Direction.OFF or (direction == Direction.OUT and not entity.exportable):
            continue
        if entity.name == "cost_codes" and settings.cost_code_list_id is None:
            continue
        yield entity, direction


def _definitions(office: Office) -> dict[str, dict]:
    """The custom field definitions the last import refreshed (importers/custom_fields.py)."""
    fields = CustomField.objects.filter(office=office, active=True)[:MAX_FIELDS]
    return {
        f.key: {"key": f.key, "label": f.label, "data_type": f.data_type, "choices": f.choices}
        for f in fields
    }


def _locals(entity: Entity, refs: list[ExternalRef]) -> dict[int, models.Model]:
    """The linked local records by pk, in one query (their many-to-many in one more)."""
    records = entity.model.objects.filter(pk__in=[r.object_id for r in refs])
    if entity.parent_field:
        records = records.select_related(entity.parent_field)
    if entity.many:
        records = records.prefetch_related(*(m2m for m2m, _ in entity.many.values()))
    return {obj.pk: obj for obj in records}


def _by_project(
    entity: Entity, refs: list[ExternalRef], records: dict, links: Links
) -> dict[int | None, list[ExternalRef]]:
    """The links to compare by the Procore project listed for them (None: a company list).
    A project-level record whose project is not synced (unlinked or inactive) is not synced."""
    grouped: dict[int | None, list[ExternalRef]] = defaultdict(list)
    for ref in refs:
        obj = records.get(ref.object_id)
        if obj is None:
            continue  # the local record is gone: the next sync forgets the link
        if entity.parent_field != "project":
            grouped[None].append(ref)
            continue
        project_id = links.procore_id("project", obj.project_id)
        if project_id is not None and _project_synced(obj.project, links):
            grouped[project_id].append(ref)
    return grouped


def _project_synced(project: Project | None, links: Links) -> bool:
    """Synced as the entity sync reads project-level kinds: active and not unmapped."""
    return bool(project and project.active and ("project", project.pk) not in links.unlinked)


def _read(
    client: ProcoreClient,
    entity: Entity,
    scope: Scope,
    wanted: set[int],
    options: ImportOptions,
    result: Comparison,
) -> Listed:
    """One list, its linked records mapped as the importer maps them."""
    listing = LISTINGS[entity.name]
    listed = Listed()
    entries = list(listing.read(client, scope))
    result.requests_min += _pages(listing, len(entries))
    divisions = {
        e["id"]: e for e in entries if isinstance(e, dict) and is_procore_id(e.get("id"))
        and e.get("parent_id") is None
    }  # fmt: skip
    batch = Batch([], context={"divisions": divisions})
    for number, entry in enumerate(entries, start=1):
        record_id = entry.get("id") if isinstance(entry, dict) else None
        if not is_procore_id(record_id):
            listed.unsure = True
            result.unread.append(_unread(entity, number, "its id cannot be read"))
            continue
        listed.ids.add(record_id)
        if record_id not in wanted:
            continue
        try:
            listed.mapped[record_id] = (entry, procore_mapped(entity, entry, batch, options))
        except UNREADABLE as exc:
            result.unread.append(_unread(entity, number, str(exc), record_id))
    return listed


def _pages(listing: Listing, count: int) -> int:
    if listing.path is None:
        return 1
    return max(-(-count // per_page_for(listing.path)), 1)


def _unread(entity: Entity, number: int, reason: str, procore_id: int | None = None) -> SyncItem:
    return SyncItem(
        entity=entity.name,
        direction="in",
        procore_id=procore_id,
        label=f"{entity.label}: record #{number} of Procore's list",
        outcome=Outcome.FAILED,
        message=f"Procore's answer could not be read ({reason}); it was not compared.",
        fix="Correct the record in Procore, then run the report again.",
    )


@dataclass
class Compared:
    """One link: its local record against its Procore record, field by synced field."""

    entity: Entity
    direction: str
    ref: ExternalRef
    local: models.Model
    scope: Scope
    links: Links

    def differences(self, listed: Listed, options: ImportOptions) -> list[Difference]:
        if self.ref.procore_id not in listed.ids:
            return [] if listed.unsure else [self._deleted()]
        record, theirs = listed.mapped.get(self.ref.procore_id, (None, None))
        if theirs is None:  # unreadable (an unread item says so), or no longer of the kind
            return []
        mine = self._mine()
        resolved = self._resolved(theirs)
        names = self._names(mine, resolved, options.custom_fields)
        names = [n for n in names if _get(mine, n) != _get(resolved, n)]
        if self.direction == Direction.OUT:
            names = [n for n in names if self._written(mine, n, _get(resolved, n))]
        if not names:
            return []
        sides = self._sides(names, mine, resolved, self._procore_changed(record, theirs))
        return [self._value(n, _get(mine, n), _get(resolved, n), sides[n], options) for n in names]

    def _sides(self, names: list[str], mine: dict, theirs: dict, procore_changed: bool) -> dict:
        """Each differing field's side. Changed on both sides, the field-by-field split that
        gives back the link's fingerprint tells which side each field moved on; none found
        (a field changed on both), every field says both."""
        side = side_of(synced_print(self.entity, mine) != self.ref.fingerprint, procore_changed)
        if side == Side.BOTH and len(names) <= MAX_SPLIT:
            for theirs_taken in product((False, True), repeat=len(names)):
                values = mine
                for name, taken in zip(names, theirs_taken, strict=True):
                    if taken:
                        values = _with(values, name, _get(theirs, name))
                if synced_print(self.entity, values) == self.ref.fingerprint:
                    # Procore still holds what was synced where Trestle moved, and vice versa
                    return {
                        name: Side.TRESTLE if taken else Side.PROCORE
                        for name, taken in zip(names, theirs_taken, strict=True)
                    }
        return dict.fromkeys(names, side)

    def _mine(self) -> dict:
        """The local record in the mapped shape: relations as their links' Procore ids."""
        values = local_values(self.entity, self.local)
        for key, (fk, procore_type) in self.entity.relations.items():
            values[key] = self.links.procore_id(procore_type, getattr(self.local, f"{fk}_id"))
        for key, (m2m, procore_type) in self.entity.many.items():
            ids = (
                self.links.procore_id(procore_type, o.pk) for o in getattr(self.local, m2m).all()
            )
            values[key] = sorted(i for i in ids if i is not None)
        return values

    def _resolved(self, theirs: dict) -> dict:
        """Procore's record as the import would leave it: related records it has no link for
        are none here."""
        values = dict(theirs)
        for key, (_, procore_type) in self.entity.relations.items():
            if (procore_type, values.get(key)) not in self.links.linked:
                values[key] = None
        for key, (_, procore_type) in self.entity.many.items():
            values[key] = sorted(
                i for i in values.get(key) or [] if (procore_type, i) in self.links.linked
            )
        return values

    def _names(self, mine: dict, theirs: dict, definitions: dict) -> list[str]:
        """The synced fields: relations by their Procore ids, each custom field the office
        holds a definition of by its key."""
        names = [n for n in self.entity.fields if n != "custom_fields"]
        names += [*self.entity.relations, *self.entity.many]
        if "custom_fields" in self.entity.fields:
            keys = set(mine.get("custom_fields") or {}) | set(theirs.get("custom_fields") or {})
            names += [f"{CUSTOM}{k}" for k in sorted(keys & set(definitions))]
        return names

    def _written(self, mine: dict, name: str, theirs) -> bool:
        """Whether the export carries the field: Trestle's record holding Procore's value would
        be sent otherwise (the mapping's `*_to_procore` is the one definition)."""
        if name.startswith(CUSTOM):
            return True
        other, values = copy(self.local), {**mine, name: theirs}
        if name in self.entity.fields:
            setattr(other, name, theirs)
        send = OUTGOING[self.entity.name]
        try:
            return send(None, self.local, mine) != send(None, other, values)
        except MappingError:
            return True

    def _procore_changed(self, record: dict, theirs: dict) -> bool:
        if self.direction != Direction.OUT:
            return synced_print(self.entity, theirs) != self.ref.fingerprint
        # synced out only, Procore's fields the export never writes are in no print
        try:
            updated = moment(record, "updated_at")
        except MappingError:
            return False
        last = self.ref.procore_updated_at
        return bool(updated and last and updated > last)

    def _value(self, name: str, mine, theirs, side: str, options: ImportOptions) -> Difference:
        trestle, procore = _shown(mine), _shown(theirs)
        what = f"{self._label_of(name, options)} of {self._what()}"
        return self._difference(
            key=f"{self.entity.procore_type}:{_key_name(self.entity, name)}",
            kind=DiffField.VALUE, side=side, repair=Repair.SYNC_AGAIN,
            trestle=trestle, procore=procore,
            message=f"Procore's {what} is {procore}; Trestle has {trestle}; {WHERE[side]}.",
        )  # fmt: skip

    def _deleted(self) -> Difference:
        return self._difference(
            key=self.entity.procore_type, kind=DiffField.RECORD_DELETED, side=Side.PROCORE,
            repair=Repair.UNLINK, trestle=str(self.local), procore="deleted",
            message=f"Procore no longer holds the record #{self.ref.procore_id} linked to "
            f"{self._what()}; changed in Procore.",
        )  # fmt: skip

    def _difference(self, *, key, kind, side, repair, trestle, procore, message) -> Difference:
        project_id = self.scope.project_id
        if self.entity.name == "projects":
            project_id = self.ref.procore_id
        return Difference(
            office_id=self.ref.office_id,
            flow=FLOW,
            object_id=self.local.pk,
            label=self._what(),
            procore_project_id=project_id,
            procore_id=self.ref.procore_id,
            key=key,
            field=kind,
            trestle_value=trestle,
            procore_value=procore,
            side=side,
            repair=repair,
            message=message,
        )

    def _what(self) -> str:
        return f"{self.entity.model._meta.verbose_name} {self.local}"

    def _label_of(self, name: str, options: ImportOptions) -> str:
        if name.startswith(CUSTOM):
            definition = options.custom_fields.get(name.removeprefix(CUSTOM)) or {}
            return f"custom field '{definition.get('label') or name.removeprefix(CUSTOM)}'"
        model_field = self.entity.model._meta.get_field(_key_name(self.entity, name))
        return str(model_field.verbose_name)


def _key_name(entity: Entity, name: str) -> str:
    """A field's name in Trestle: a relation by its foreign key (e.g. `work_classification`)."""
    related = entity.relations.get(name) or entity.many.get(name)
    return related[0] if related else name


def _get(values: dict, name: str):
    if name.startswith(CUSTOM):
        return (values.get("custom_fields") or {}).get(name.removeprefix(CUSTOM))
    return values.get(name)


def _with(values: dict, name: str, value) -> dict:
    """The values with one field (or one custom field) set."""
    if not name.startswith(CUSTOM):
        return {**values, name: value}
    custom = {**(values.get("custom_fields") or {}), name.removeprefix(CUSTOM): value}
    return {**values, "custom_fields": {k: v for k, v in custom.items() if v is not None}}


def _shown(value) -> str:
    if value in (None, "", []):
        return "empty"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"#{value}"
    if isinstance(value, list):
        return ", ".join(f"#{v}" for v in value)
    return str(value)
