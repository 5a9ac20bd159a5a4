"""Which Celery queue a run goes to, so work a person waits for never queues behind bulk work.

"interactive": what someone clicked and watches (a COR push, yours or a customer's, Export now,
a Sync now or a manual AP import, Retry failed, repairs), and time cards or payments sent when
a person approves or records them. "bulk": what no one waits for (schedules, webhook runs,
operator commands) and what is long by nature, whoever asks (a full re-read of the company's
entities, the wizard's first import, a reconciliation pass that reads both sides whole).
A worker per queue (docker-compose.yml) keeps a 20,000-employee import from taking the slot a
push needs; `make run`'s one worker consumes both.
"""

from collections.abc import Mapping

from .engine_models import Trigger

INTERACTIVE = "interactive"
BULK = "bulk"

# Flows whose every run is a pass over everything, however it was started.
BULK_FLOWS = frozenset({"reconcile"})
# A recovery run continues a dead run whose trigger it does not keep: these flows' runs carry
# what a person asked for (records they chose or approved), the others' are passes.
PERSON_FLOWS = frozenset(
    {"cor_push", "ap_payments", "time_export", "daily_logs", "change_event_statuses"}
)


def run_queue_name(*, flow: str, trigger: str, params: Mapping | None = None) -> str:
    """The queue for a run of `flow` started by `trigger` with `params`."""
    if flow in BULK_FLOWS or (flow == "entities" and (params or {}).get("full")):
        return BULK
    if trigger == Trigger.USER:
        return INTERACTIVE
    if trigger == Trigger.RECOVERY and flow in PERSON_FLOWS:
        return INTERACTIVE
    return BULK
