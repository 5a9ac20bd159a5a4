"""Hands out Procore-style 64-bit ids (procore-api.md §1: "IDs may exceed 32-bit")."""

from django.db import IntegrityError, transaction

from .models import SandboxSequence

FIRST_ID = 562_949_953_421_312  # 2**49: ids past 32 bits, as in real Procore companies


def allocate(count: int = 1) -> int:
    """Reserve `count` consecutive ids and return the first; safe across processes."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                seq = SandboxSequence.objects.select_for_update().filter(name="ids").first()
                if seq is None:
                    seq = SandboxSequence.objects.create(name="ids", next_id=FIRST_ID)
                first = seq.next_id
                seq.next_id = first + count
                seq.save(update_fields=["next_id"])
                return first
        except IntegrityError:  # two processes created the row at once; the loser retries
            continue
    raise RuntimeError("could not allocate a sandbox id")
