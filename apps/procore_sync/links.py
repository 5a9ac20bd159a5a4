"""Links between Trestle records and Procore records: list, unlink (stop syncing), link again."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from apps.accounts.audit import audit_record
from apps.accounts.models import User

from .engine_models import ExternalRef, LinkState
from .entities import ENTITIES


def link_list(*, account, entity: str = "", state: str = "") -> QuerySet[ExternalRef]:
    links = (
        ExternalRef.objects.for_account(account)
        .select_related("office", "content_type")
        .prefetch_related("local")
    )
    if entity in ENTITIES:
        spec = ENTITIES[entity]
        links = links.filter(
            procore_type=spec.procore_type,
            content_type=ContentType.objects.get_for_model(spec.model),
        )
    if state:
        links = links.filter(state=state)
    return links.order_by("procore_type", "object_id")


def link_unlink(*, link: ExternalRef, user: User) -> None:
    """Stop syncing the pair. The link row stays as "unlinked", so auto-import does not link
    the same records again behind the user's back."""
    link.state, link.error = LinkState.UNLINKED, ""
    link.save(update_fields=["state", "error"])
    audit_record(account=link.office.account, actor=user, action="procore.unlinked", target=link)


def link_relink(*, link: ExternalRef, user: User) -> None:
    """Sync the pair again; an empty fingerprint makes the next run bring both sides in step."""
    link.state, link.fingerprint = LinkState.SYNCED, ""
    link.save(update_fields=["state", "fingerprint"])
    audit_record(account=link.office.account, actor=user, action="procore.relinked", target=link)
