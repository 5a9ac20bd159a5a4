"""Queue a push of CORs into a Procore Change Event of a mapped project, as a SyncRun."""

from django.core.exceptions import ValidationError

from apps.accounts.audit import audit_record
from apps.accounts.models import User
from apps.cors.models import ChangeOrderRequest
from apps.projects.models import Project

from ..engine_models import SyncRun, Trigger
from ..runs import run_queue
from .options import PushOptions

FLOW = "cor_push"
MAX_CORS = 1000


def pushable(project: Project, cors: list[ChangeOrderRequest]) -> None:
    """A push goes into `project`'s Procore project: the contractor pushes the project's own
    CORs; a customer pushes the response CORs of notifications sent from `project`."""
    if not cors:
        raise ValidationError("Select at least one COR to push.")
    if len(cors) > MAX_CORS:
        raise ValidationError(f"Push at most {MAX_CORS} CORs at a time.")
    for cor in cors:
        if cor.project_id == project.pk:
            continue
        answered = getattr(cor, "change_notification", None)
        if answered is None or answered.customer_project_id != project.pk:
            raise ValidationError(f"{cor} does not belong to project {project}.")


def push_queue(
    *,
    project: Project,
    cors: list[ChangeOrderRequest],
    options: PushOptions,
    user: User | None,
    enqueue,
    trigger: str = Trigger.USER,
) -> SyncRun:
    """Record the push as a SyncRun (Sync Activity shows it) and hand it to a worker."""
    pushable(project, cors)
    run = run_queue(
        office=project.office,
        flow=FLOW,
        trigger=trigger,
        user=user,
        params={"project_id": project.pk, "cor_ids": [c.pk for c in cors], **options.as_params()},
        enqueue=enqueue,
    )
    audit_record(
        account=project.office.account,
        actor=user,
        action="procore.cors_pushed",
        target=project,
        detail={
            "run": run.pk,
            "cors": [c.number for c in cors],
            "mode": options.mode,
            "change_event_id": options.change_event_id,
        },
    )
    return run
