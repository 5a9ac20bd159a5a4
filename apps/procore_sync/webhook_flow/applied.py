"""What applying one kind of change did: counts and items for the run, and which changes
failed, with why."""

from collections import Counter
from dataclasses import dataclass, field

from ..engine_models import Outcome, SyncItem
from .changes import Change


@dataclass
class Applied:
    counts: Counter = field(default_factory=Counter)
    items: list[SyncItem] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # Change pk -> why; needs an item
    failed_in_items: set[int] = field(default_factory=set)  # Change pks an item already fails

    def add(self, counts: Counter, items: list[SyncItem]) -> None:
        self.counts.update(counts)
        self.items += items

    def fail(self, changes: list[Change], why: dict[int, str]) -> None:
        """`why`: Procore id -> reason, for the records read and not applied."""
        in_items = {i.procore_id for i in self.items if i.outcome == Outcome.FAILED}
        for change in changes:
            if change.resource_id in in_items:
                self.failed_in_items.add(change.pk)
            elif change.resource_id in why:
                self.failed[change.pk] = why[change.resource_id]


def latest(changes: list[Change]) -> dict[int, Change]:
    """The last change of each record (changes come oldest first): a delete after an update
    is a delete, an update after a delete is read."""
    return {c.resource_id: c for c in changes if c.resource_id is not None}
