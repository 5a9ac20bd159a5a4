"""COR arithmetic, in Decimal and rounded to the cent line by line (never float)."""

from dataclasses import dataclass
from decimal import Decimal

from .models import money


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    markup_total: Decimal
    total: Decimal


def line_amount(quantity: Decimal, unit_cost: Decimal, markup_percent: Decimal) -> Decimal:
    cost = money(quantity * unit_cost)
    return cost + money(cost * markup_percent / 100)


def cor_totals(lines) -> Totals:
    """Totals of (quantity, unit_cost, markup_percent) lines; each line rounds on its own, so
    the total equals the sum of the amounts shown."""
    subtotal = markup = Decimal("0.00")
    for quantity, unit_cost, markup_percent in lines:
        cost = money(quantity * unit_cost)
        subtotal += cost
        markup += money(cost * markup_percent / 100)
    return Totals(subtotal=subtotal, markup_total=markup, total=subtotal + markup)
