"""Office Integrations: switch Procore on or off for an office, and read its connection."""

from apps.accounts.audit import audit_record
from apps.accounts.models import User
from apps.offices.models import Office

from .models import ConnectionStatus, ProcoreConnection
from .services import connection_disconnect


def connection_of(office: Office) -> ProcoreConnection | None:
    """The office's live (or needs-reconnect) connection, if any."""
    return (
        ProcoreConnection.objects.filter(office=office)
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .select_related("connected_by")
        .first()
    )


def procore_enable(*, office: Office, enabled: bool, user: User) -> None:
    """Turning Procore off disconnects the office (revoking the token in Procore) but keeps its
    links, so turning it on and reconnecting resumes where it was."""
    if office.procore_enabled == enabled:
        return
    if not enabled and (connection := connection_of(office)) is not None:
        connection_disconnect(connection=connection, user=user)
    office.procore_enabled = enabled
    office.save(update_fields=["procore_enabled"])
    audit_record(
        account=office.account,
        actor=user,
        action="procore.enabled" if enabled else "procore.disabled",
        target=office,
    )
