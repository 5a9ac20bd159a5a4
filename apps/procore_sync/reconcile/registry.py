"""Every comparer of the "Procore vs Trestle" report, in the order the report shows them: each
flow's compare (reconcile/<flow>.py) and repair (reconcile/<flow>_repair.py), and the
permission a user needs to ask for its repairs."""

from . import (
    cor_repair,
    cors,
    daily_log_repair,
    daily_logs,
    invoice_repair,
    invoices,
    link_repair,
    links,
    payment_repair,
    payments,
    timesheet_repair,
    timesheets,
)
from .comparison import Comparer

COMPARERS: tuple[Comparer, ...] = (
    Comparer(
        flow=cors.FLOW,
        title="CORs pushed to Change Events",
        permission="cors.manage",
        compare=cors.cors_compare,
        repair=cor_repair.cors_repair,
    ),
    Comparer(
        flow=timesheets.FLOW,
        title="Hours sent as timesheets",
        permission="time.approve",
        compare=timesheets.timesheets_compare,
        repair=timesheet_repair.timesheets_repair,
    ),
    Comparer(
        flow=daily_logs.FLOW,
        title="Hours and quantities in Daily Logs",
        permission="time.approve",
        compare=daily_logs.daily_logs_compare,
        repair=daily_log_repair.daily_logs_repair,
    ),
    Comparer(
        flow=invoices.FLOW,
        title="AP invoices imported from Procore",
        permission="ap.manage",
        compare=invoices.invoices_compare,
        repair=invoice_repair.invoices_repair,
    ),
    Comparer(
        flow=payments.FLOW,
        title="Payments written to Procore",
        permission="ap.manage",
        compare=payments.payments_compare,
        repair=payment_repair.payments_repair,
    ),
    Comparer(
        flow=links.FLOW,
        title="Linked records",
        permission="sync.run",
        compare=links.links_compare,
        repair=link_repair.links_repair,
    ),
)
_BY_FLOW = {c.flow: c for c in COMPARERS}


def comparer_of(flow: str) -> Comparer:
    return _BY_FLOW[flow]
