"""A COR's fingerprint: a hash of everything a push sends, so an edit after a push shows."""

import hashlib
import json


def cor_fingerprint(cor, lines) -> str:
    """`lines` are the COR's saved CorLineItems, in order."""
    content = {
        "number": cor.number,
        "title": cor.title,
        "total": str(cor.total),
        "lines": [_line(line) for line in lines],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _line(line) -> list:
    values = (line.quantity, line.unit_cost, line.markup_percent, line.amount)
    return [line.pk, line.description, line.cost_type, line.cost_code_id, line.unit] + [
        str(value) for value in values
    ]
