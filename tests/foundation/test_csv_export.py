"""Every CSV export goes through one writer that never lets a spreadsheet run a cell."""

import pytest

from apps.core.csv_export import cell, csv_response
from tests.csv_reading import ESCAPED, FORMULAS, PLAIN, streamed_rows


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_starting_like_a_formula_is_text(start):
    assert cell(f"{start}SUM(A1)") == f"'{start}SUM(A1)"


def test_other_cells_are_left_as_they_are():
    assert [cell(v) for v in ("Vendor 1", 12, None, "a=b")] == ["Vendor 1", "12", "", "a=b"]


def test_the_response_streams_every_row_escaped():
    rows = [[value, "-110.00", PLAIN] for value in FORMULAS]
    response = csv_response(filename="out.csv", header=["value", "amount", "note"], rows=rows)
    assert response["Content-Disposition"] == 'attachment; filename="out.csv"'
    assert [(r["value"], r["amount"], r["note"]) for r in streamed_rows(response)] == [
        (escaped, "'-110.00", PLAIN) for escaped in ESCAPED
    ]


def test_rows_are_read_only_while_the_response_streams():
    read = []

    def rows():
        for n in range(3):
            read.append(n)
            yield [n]

    response = csv_response(filename="out.csv", header=["n"], rows=rows())
    assert read == []
    content = iter(response.streaming_content)
    next(content), next(content)
    assert read == [0]
