"""What every flow that creates records in Procore shares: the ExternalRef written as an intent
before a create (its origin_id finds the record again after a lost answer), the origin_id to
send, and Procore's words for a refusal."""

from django.db.models import QuerySet, Subquery

from .client.errors import ProcoreError
from .engine_models import ExternalRef, LinkState

REF_FIELDS = ["procore_id", "origin_id", "fingerprint", "synced_at", "state", "error"]
GONE = (LinkState.ORPHANED, LinkState.UNLINKED)  # removed from Procore, or never to be synced


def next_origin(ref: ExternalRef, prefix: str) -> str:
    """Our origin_id: the one already tried, else a new one (numbered after a removal, because
    Procore keeps a deleted record's origin_id taken)."""
    base = f"{prefix}{ref.object_id}"
    if not ref.origin_id:
        return base
    if ref.state not in GONE:
        return ref.origin_id
    number = ref.origin_id.removeprefix(base).lstrip("-")
    return f"{base}-{int(number) + 1 if number.isdigit() else 2}"


def refs_save(refs: list[ExternalRef]) -> None:
    """One statement for the batch, new links and known ones alike."""
    if refs:
        ExternalRef.objects.bulk_create(
            refs,
            update_conflicts=True,
            unique_fields=["office", "procore_type", "content_type", "object_id"],
            update_fields=REF_FIELDS,
        )


def procore_said(exc: ProcoreError) -> str:
    return (
        exc.message
        if not exc.detail or exc.detail in exc.message
        else f"{exc.message} {exc.detail}"
    )


def with_ref(records: QuerySet, refs: QuerySet[ExternalRef]) -> QuerySet:
    """Each record with its link's state beside it (`refs` filtered on OuterRef("pk")), for the
    "what is pending" queries of the flows that create in Procore."""
    return records.annotate(
        ref_synced=Subquery(refs.values("synced_at")[:1]),
        ref_state=Subquery(refs.values("state")[:1]),
        ref_procore=Subquery(refs.values("procore_id")[:1]),
        ref_origin=Subquery(refs.values("origin_id")[:1]),
    )
