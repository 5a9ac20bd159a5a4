"""Every comparer of the "Procore vs Trestle" report, in the order the report shows them."""

from . import cors, daily_logs, invoices, links, payments, timesheets
from .comparison import Comparer

COMPARERS: tuple[Comparer, ...] = (
    cors.COMPARER,
    timesheets.COMPARER,
    daily_logs.COMPARER,
    invoices.COMPARER,
    payments.COMPARER,
    links.COMPARER,
)
_BY_FLOW = {c.flow: c for c in COMPARERS}


def comparer_of(flow: str) -> Comparer:
    return _BY_FLOW[flow]
