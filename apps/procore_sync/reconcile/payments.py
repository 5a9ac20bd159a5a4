"""The payments comparer: each payment Trestle wrote to Procore against its contract payment.

Reads each commitment's contract payments with the documented list (project_id and contract_id
both required; it takes no filters) at the largest page size: ceil(listed / 2,000) requests per
commitment holding written payments, never one per payment. A payment is matched by the Procore
id its link (ExternalRef) recorded.

Which side changed is judged from the link's fingerprint, the hash of what was sent: the payment
no longer printing to it means Trestle changed; Procore's amount, date, reference or method
(read back from the notes payload.py wrote) not being what was sent means Procore changed, found
by putting Trestle's values back into Procore's, one set of fields after another, until they
print to the fingerprint. A payment never written, or whose change a queued write-back run is
about to send, is not a difference.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import combinations

from apps.ap_invoices.models import ApPayment, PaymentMethod
from apps.core import present
from apps.offices.models import Office

from ..ap_payments.payload import ORIGIN, payment_print
from ..ap_payments.queueing import FLOW
from ..ap_payments.writeback import PAYMENT, Work, payment_content_type, payment_label, plan
from ..client import resources
from ..client.http import ProcoreClient
from ..client.pages import per_page_for
from ..engine_models import ExternalRef, Outcome, RunStatus, SyncItem, SyncRun
from ..mapping.common import MappingError, an_object, procore_id
from ..reconcile_models import Difference, DiffField, Repair, Side
from .comparison import WHERE, Comparison

CONTRACT_PAYMENTS = "/rest/v1.0/contract_payments"
COMPARED = ("amount", "date", "reference", "method")
NOTE_METHOD = "Paid in Trestle by "  # payload.py's notes: the method, then any reference
NOTE_REFERENCE = ", reference "
METHODS = {label.lower(): value for value, label in PaymentMethod.choices}
# A link marked by a repair: the write-back then replaces (or re-creates) what Procore holds. The
# fingerprint column holds 64 characters, so the mark keeps the start of the written hash.
RESEND = "resend:"


@dataclass(frozen=True)
class Held:
    """What Procore holds of one payment, in Trestle's terms."""

    id: int
    amount: Decimal
    date: date
    reference: str
    method: str | None  # None when Procore's record does not say


@dataclass
class Listing:
    """One commitment's contract payments: ours by Procore id; the ids of ours that could not
    be read; `unsure` when a record that may be ours could not be read at all, so none of the
    commitment's payments is known to be missing."""

    held: dict[int, Held]
    unreadable: set[int]
    unsure: bool = False


def payments_compare(office: Office, client: ProcoreClient) -> Comparison:
    """Every difference between the office's written payments and Procore's."""
    result = Comparison()
    queued = _queued_for(office)
    for (project_id, contract_id), works in _written_by_contract(office).items():
        ours = {w.ref.procore_id for w in works}
        listing = _listed(client, project_id, contract_id, ours, result)
        for work in works:
            if _write_due(work) and queued(work.payment.pk):
                continue  # a run is about to send it: Procore is not yet meant to match
            held = listing.held.get(work.ref.procore_id)
            if work.ref.procore_id in listing.unreadable or (held is None and listing.unsure):
                continue  # not known to differ: its item says why
            result.differences += payment_differences(work, held)
    return result


def _written_by_contract(office: Office) -> dict[tuple[int, int], list[Work]]:
    """The payments whose link holds a Procore id, by the commitment they were written to."""
    written = ExternalRef.objects.filter(
        office=office,
        procore_type=PAYMENT,
        content_type=payment_content_type(),
        procore_id__isnull=False,
    )
    payments = ApPayment.objects.filter(
        invoice__office=office,
        invoice__procore_requisition_id__isnull=False,
        pk__in=written.values("object_id"),
    ).select_related("invoice")
    grouped: dict[tuple[int, int], list[Work]] = defaultdict(list)
    for work in plan(office, list(payments.order_by("pk"))):
        if work.project_id is not None and work.contract_id is not None:
            grouped[work.project_id, work.contract_id].append(work)
    return grouped


def _queued_for(office: Office) -> Callable[[int], bool]:
    """Whether a queued or running write-back run will send a payment: the scheduled pass sends
    every payment with a write due; a change and Retry name theirs."""
    runs = SyncRun.objects.filter(
        office=office, flow=FLOW, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
    )
    named, every = set(), False
    for params in runs.values_list("params", flat=True):
        if params.get("payment_ids") is None:
            every = True
        else:
            named |= set(params["payment_ids"])
    return lambda payment_id: every or payment_id in named


def _write_due(work: Work) -> bool:
    """Trestle has something Procore should not hold yet: a void, an edit, a repair's mark."""
    return work.payment.voided_at is not None or work.ref.fingerprint != payment_print(work.payment)


def _listed(
    client: ProcoreClient, project_id: int, contract_id: int, ours: set[int], result: Comparison
) -> Listing:
    listing, count = Listing(held={}, unreadable=set()), 0
    payments = resources.contract_payments(client, project_id=project_id, contract_id=contract_id)
    for count, record in enumerate(payments, start=1):
        try:
            record_id = procore_id(an_object(record))
        except MappingError as exc:
            if _maybe_ours(record):
                listing.unsure = True
                what = f"Payment #{count} of Procore's list for commitment #{contract_id}"
                result.unread.append(_unread_item(what, exc))
            continue
        if record_id not in ours:
            continue
        try:
            listing.held[record_id] = _held(record_id, record)
        except MappingError as exc:
            listing.unreadable.add(record_id)
            result.unread.append(_unread_item(f"Procore payment #{record_id}", exc))
    result.requests_min += max(-(-count // per_page_for(CONTRACT_PAYMENTS)), 1)
    return listing


def _maybe_ours(record) -> bool:
    origin = record.get("origin_id") if isinstance(record, dict) else None
    return not isinstance(origin, str | None) or (origin or ORIGIN).startswith(ORIGIN)


def _held(record_id: int, record: dict) -> Held:
    try:
        amount = Decimal(str(record.get("amount"))).quantize(Decimal("0.01"))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise MappingError(f"'amount' should be a number, got {record.get('amount')!r}")
    try:
        paid_on = date.fromisoformat(str(record.get("date"))[:10])
    except ValueError:
        raise MappingError(f"'date' should be a date, got {record.get('date')!r}") from None
    return Held(record_id, amount, paid_on, _reference(record), _method(record))


def _reference(record: dict) -> str:
    """A check's number, else the reference payload.py wrote at the end of the notes."""
    check = record.get("check_number")
    if isinstance(check, str | int) and str(check):
        return str(check)
    notes = record.get("notes")
    if isinstance(notes, str) and NOTE_REFERENCE in notes:
        return notes.rsplit(NOTE_REFERENCE, 1)[1]
    return ""


def _method(record: dict) -> str | None:
    """Procore's payment_method when its answer has one (its list schema has none), else the
    method payload.py wrote at the start of the notes."""
    if record.get("payment_method") in METHODS.values():
        return record["payment_method"]
    notes = record.get("notes")
    if isinstance(notes, str) and notes.startswith(NOTE_METHOD):
        return METHODS.get(notes.removeprefix(NOTE_METHOD).split(",", 1)[0])
    return None


def _unread_item(what: str, exc: MappingError) -> SyncItem:
    return SyncItem(
        entity="contract_payment",
        direction="in",
        label=what,
        outcome=Outcome.FAILED,
        message=f"Procore's answer could not be read ({exc}); its payment was not compared.",
        fix="Run the report again.",
    )


# --- differences -----------------------------------------------------------------------------


def payment_differences(work: Work, held: Held | None) -> list[Difference]:
    """What differs between a written payment (as written, and as it is now) and Procore's."""
    if work.payment.voided_at is not None:
        return [] if held is None else [_extra(work, held)]
    if held is None:
        return [_missing(work)]
    trestle, procore = _values(work.payment), _values(held)
    differing = [n for n in COMPARED if procore[n] is not None and trestle[n] != procore[n]]
    sides = _sides(work, trestle, procore, differing)
    return [_changed(work, name, trestle, procore, sides[name]) for name in differing]


def _values(payment: ApPayment | Held) -> dict:
    return {name: getattr(payment, name) for name in COMPARED}


def _sides(work: Work, trestle: dict, procore: dict, differing: list[str]) -> dict[str, str]:
    """Each differing field's side: the fields whose Trestle value, put into Procore's, makes
    what was written changed in Procore; the others changed in Trestle. When no choice prints
    to what was written, both sides changed the payment."""
    written = _written(work.ref)
    for size in range(len(differing) + 1):
        for kept in combinations(differing, size):
            values = {
                n: trestle[n] if n in kept or procore[n] is None else procore[n] for n in COMPARED
            }
            if written and _print(work.payment, values).startswith(written):
                return {n: Side.PROCORE if n in kept else Side.TRESTLE for n in differing}
    return dict.fromkeys(differing, Side.BOTH)


def _written(ref: ExternalRef) -> str:
    """The fingerprint of what was written, or the start of it once a repair marked the link."""
    return ref.fingerprint.removeprefix(RESEND)


def _print(payment: ApPayment, values: dict) -> str:
    """The fingerprint the payment would have with these amount, date, reference and method."""
    return payment_print(ApPayment(invoice=payment.invoice, **values))  # never saved


def _raw(name: str, value) -> str:
    """The value as the report's CSV and API carry it: plain, machine-readable."""
    if name == "amount":
        return f"{value:.2f}"
    return _shown(name, value)


def _shown(name: str, value) -> str:
    """The value as a person reads it in the message ("$4,000.00", "Nov 20, 2026")."""
    if name == "amount":
        return present.money(value)
    if name == "date" and value is not None:
        return present.day(value)
    if name == "method":
        return PaymentMethod(value).label.lower()
    return str(value) if value not in ("", None) else "none"


def _changed(work: Work, name: str, trestle: dict, procore: dict, side: str) -> Difference:
    kind, key = (DiffField.AMOUNT, "") if name == "amount" else (DiffField.VALUE, name)
    mine, theirs = _shown(name, trestle[name]), _shown(name, procore[name])
    verb = "sent" if side == Side.PROCORE else "has"
    return _difference(
        work, kind, side, key=key, trestle=_raw(name, trestle[name]),
        procore=_raw(name, procore[name]), repair=Repair.SEND_AGAIN,
        message=f"Procore's {name} of {_what(work)} is {theirs}; Trestle {verb} {mine}; "
        f"{WHERE[side]}.",
    )  # fmt: skip


def _missing(work: Work) -> Difference:
    payment = work.payment
    return _difference(
        work, DiffField.MISSING_RECORD, Side.PROCORE, key="",
        trestle=f"{payment.amount:.2f} on {payment.date}", procore="missing",
        repair=Repair.SEND_AGAIN,
        message=f"{_what(work, 'Payment')} is no longer in Procore; Trestle sent "
        f"{present.money(payment.amount)} on {present.day(payment.date)}; changed in Procore.",
    )  # fmt: skip


def _extra(work: Work, held: Held) -> Difference:
    return _difference(
        work, DiffField.EXTRA_RECORD, Side.TRESTLE, key="",
        trestle="void", procore=f"{held.amount:.2f} on {held.date}", repair=Repair.WITHDRAW,
        message=f"Procore still holds {_what(work)} at {present.money(held.amount)}; the "
        "payment was voided in Trestle; changed in Trestle.",
    )  # fmt: skip


def _what(work: Work, noun: str = "payment") -> str:
    return f"{noun} #{work.ref.procore_id} (invoice {work.payment.invoice.invoice_number})"


def _difference(
    work: Work, kind: str, side: str, *, key: str, trestle: str, procore: str, repair: str,
    message: str,
) -> Difference:  # fmt: skip
    return Difference(
        office_id=work.payment.invoice.office_id,
        flow=FLOW,
        object_id=work.payment.pk,
        label=payment_label(work.payment),
        procore_project_id=work.project_id,
        procore_id=work.ref.procore_id,
        key=key,
        field=kind,
        trestle_value=trestle,
        procore_value=procore,
        side=side,
        repair=repair,
        message=message,
    )
