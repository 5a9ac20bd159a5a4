"""What each CSV export's test needs: cells a spreadsheet would run, and the rows of a streamed
download."""

import csv
import io

from django.http import StreamingHttpResponse

# Text a user or Procore can send; every one must reach the file as text.
FORMULAS = ['=HYPERLINK("http://x")', "@SUM(A1)", "+1", "-2+3"]
ESCAPED = [f"'{value}" for value in FORMULAS]
PLAIN = "Vendor 1 = paid"


def streamed_rows(response) -> list[dict[str, str]]:
    """The rows of a CSV download, by header; it must stream, never sit whole in memory."""
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
