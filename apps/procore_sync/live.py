"""The office's live Procore connection, or the reason a run cannot use it."""

from .models import ConnectionStatus, ProcoreConnection


class RunError(Exception):
    """A run cannot go on; the message is shown on the run."""


def live_connection(office) -> ProcoreConnection:
    connection = (
        ProcoreConnection.objects.filter(office=office, status=ConnectionStatus.CONNECTED)
        .select_related("office")
        .first()
    )
    if connection is None:
        raise RunError("Procore is not connected for this office (or needs a reconnect).")
    if connection.company_id is None:
        raise RunError("Choose the Procore company of this office first.")
    return connection
