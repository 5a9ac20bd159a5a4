"""Every CSV export goes through one writer that never lets a spreadsheet run a cell."""

import csv
import io

import pytest

from apps.core.csv_export import SafeWriter, cell


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_starting_like_a_formula_is_text(start):
    assert cell(f"{start}SUM(A1)") == f"'{start}SUM(A1)"


def test_other_cells_are_left_as_they_are():
    assert [cell(v) for v in ("Vendor 1", 12, None, "a=b")] == ["Vendor 1", "12", "", "a=b"]


def test_the_writer_escapes_every_row_it_writes():
    out = io.StringIO()
    SafeWriter(out).writerow(['=HYPERLINK("http://x")', "-110.00", "ok"])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == [
        '\'=HYPERLINK("http://x")',
        "'-110.00",
        "ok",
    ]
