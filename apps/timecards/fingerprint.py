"""A time card entry's fingerprint: a hash of everything an export sends, so an edit after an
export shows as out of date (and a deletion or a status change too)."""

import hashlib
import json

from .models import TimeCardEntry


def entry_fingerprint(entry: TimeCardEntry) -> str:
    content = {
        "employee": entry.employee_id,
        "date": entry.date.isoformat(),
        "project": entry.project_id,
        "sub_job": entry.sub_job_id,
        "cost_code": entry.cost_code_id,
        "time_type": entry.time_type_id,
        "work_classification": entry.work_classification_id,
        "hours": str(entry.hours),
        "billable": entry.billable,
        "description": entry.description,
        "status": entry.status,
        "deleted": entry.deleted_at is not None,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
