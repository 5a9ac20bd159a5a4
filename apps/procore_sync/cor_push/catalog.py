"""What a push can target in one Procore project: Change Events, statuses, budget codes and
contracts. Read live and cached briefly, so the wizard's steps and the pre-flight agree."""

from dataclasses import dataclass

from django.core.cache import cache

from ..client import resources
from ..client.http import ProcoreClient
from ..models import ProcoreConnection

CACHE_SECONDS = 60
CLOSED = "closed"
UNUSABLE_CONTRACT_STATUSES = {"terminated", "void", "complete"}


@dataclass(frozen=True)
class Catalog:
    project_id: int
    change_events: list[dict]  # id, number, title, status, open
    statuses: list[dict]  # id, name, mapped_to_status, default_status
    budget_codes: list[dict]  # id, flat_code, description, codes (segment item codes)
    contracts: list[dict]  # type, id, number, title, status, vendor_id, usable

    def open_status_id(self) -> int | None:
        usable = [s for s in self.statuses if s.get("mapped_to_status") != CLOSED]
        default = next((s for s in usable if s.get("default_status")), None)
        return (default or (usable[0] if usable else {})).get("id")

    def change_event(self, change_event_id: int | None) -> dict | None:
        return next((c for c in self.change_events if c["id"] == change_event_id), None)

    def budget_code(self, budget_code_id: int | None) -> dict | None:
        return next((b for b in self.budget_codes if b["id"] == budget_code_id), None)

    def contract(self, choice: dict) -> dict | None:
        return next(
            (
                c
                for c in self.contracts
                if (c["type"], c["id"]) == (choice.get("type"), choice.get("id"))
            ),
            None,
        )


def catalog_for(connection: ProcoreConnection, project_id: int, *, fresh: bool = False) -> Catalog:
    key = f"procore-push-catalog:{connection.pk}:{project_id}"
    found = None if fresh else cache.get(key)
    if found is None:
        found = _fetch(ProcoreClient(connection), project_id)
        cache.set(key, found, CACHE_SECONDS)
    return found


def catalog_forget(connection: ProcoreConnection, project_id: int) -> None:
    cache.delete(f"procore-push-catalog:{connection.pk}:{project_id}")


def status_name(change_event: dict) -> str:
    status = change_event.get("change_event_status")
    if isinstance(status, dict) and status.get("name"):
        return str(status["name"])
    return str(change_event.get("status") or "").title()


def is_open(change_event: dict) -> bool:
    status = change_event.get("change_event_status")
    mapped = status.get("mapped_to_status") if isinstance(status, dict) else None
    return str(mapped or change_event.get("status") or "open").lower() != CLOSED


def _fetch(client: ProcoreClient, project_id: int) -> Catalog:
    where = {"project_id": project_id}
    return Catalog(
        project_id=project_id,
        change_events=[_change_event(c) for c in _usable(resources.change_events(client, **where))],
        statuses=[
            {k: s.get(k) for k in ("id", "name", "mapped_to_status", "default_status")}
            for s in _usable(resources.change_event_statuses(client, **where))
        ],
        budget_codes=[_budget_code(b) for b in _usable(resources.wbs_codes(client, **where))],
        contracts=[
            *(
                _contract("prime_contract", c)
                for c in _usable(resources.prime_contracts(client, **where))
            ),
            *(_contract("commitment", c) for c in _usable(resources.commitments(client, **where))),
        ],
    )


def _usable(records) -> list[dict]:
    """Records with an id; anything malformed in Procore's answer is left out, not fatal."""
    return [r for r in records if isinstance(r, dict) and isinstance(r.get("id"), int)]


def _change_event(record: dict) -> dict:
    return {
        "id": record["id"],
        "number": str(record.get("alphanumeric_number") or record.get("number") or ""),
        "title": record.get("title") or "",
        "status": status_name(record),
        "open": is_open(record),
    }


def _budget_code(record: dict) -> dict:
    items = record.get("segment_items") if isinstance(record.get("segment_items"), list) else []
    return {
        "id": record["id"],
        "flat_code": record.get("flat_code") or "",
        "description": record.get("description") or record.get("flat_name") or "",
        "codes": [str(i.get("code")) for i in items if isinstance(i, dict) and i.get("code")],
        "active": (record.get("status") or "active") == "active",
    }


def _contract(kind: str, record: dict) -> dict:
    status = str(record.get("status") or "")
    vendor = record.get("vendor") if isinstance(record.get("vendor"), dict) else {}
    return {
        "type": kind,
        "id": record["id"],
        "number": record.get("number") or "",
        "title": record.get("title") or "",
        "status": status,
        "vendor_id": record.get("vendor_id") or vendor.get("id"),
        "usable": status.lower() not in UNUSABLE_CONTRACT_STATUSES,
    }
