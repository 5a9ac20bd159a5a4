"""An invoice's totals from its lines, in Decimal."""

from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

ZERO = Decimal("0.00")


class Totals(NamedTuple):
    subtotal: Decimal
    retainage: Decimal
    total: Decimal


def invoice_totals(lines: Iterable[tuple[Decimal, Decimal]]) -> Totals:
    """(amount, retainage) of each line -> subtotal, retainage, and total = subtotal - retainage."""
    subtotal, retainage = ZERO, ZERO
    for amount, held in lines:
        subtotal += amount
        retainage += held
    return Totals(subtotal, retainage, subtotal - retainage)
