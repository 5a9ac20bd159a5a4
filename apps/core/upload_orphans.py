"""Files in storage that no row references: left by a transaction that rolled back after its
write stored them, by a crash between storing and committing, or by code older than the upload
policy (apps.core.uploads). Only the upload folders of the FileFields are looked at."""

from collections.abc import Iterable, Iterator
from datetime import timedelta
from itertools import islice

from django.apps import apps
from django.core.files.storage import Storage, default_storage
from django.db import models
from django.utils import timezone

BATCH = 500


def upload_fields() -> list[tuple[type[models.Model], models.FileField]]:
    """Every FileField of every installed model that stores in the default storage."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField) and field.storage is default_storage
    ]


def upload_folders() -> list[str]:
    """The top folders FileFields write under ("ap-invoices" for "ap-invoices/%Y/%m/")."""
    paths = [f.upload_to for _, f in upload_fields() if isinstance(f.upload_to, str)]
    return sorted({path.split("/", 1)[0] for path in paths})


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    directories, files = storage.listdir(folder)
    for name in sorted(files):
        yield f"{folder}/{name}"
    for directory in sorted(directories):
        yield from _walk(storage, f"{folder}/{directory}")


def _batches(names: Iterator[str]) -> Iterator[list[str]]:
    while batch := list(islice(names, BATCH)):
        yield batch


def _referenced(names: list[str]) -> set[str]:
    found: set[str] = set()
    for model, field in upload_fields():
        rows = model._base_manager.filter(**{f"{field.name}__in": names})
        found.update(rows.values_list(field.name, flat=True))
    return found


def orphan_files(*, min_age: timedelta = timedelta(hours=1)) -> Iterator[str]:
    """Stored files no row references, older than `min_age`: a younger one may belong to a
    write that has not committed yet (on this machine or another)."""
    cutoff = timezone.now() - min_age
    for folder in upload_folders():
        if not default_storage.exists(folder):
            continue
        for names in _batches(_walk(default_storage, folder)):
            referenced = _referenced(names)
            for name in names:
                if name not in referenced and default_storage.get_modified_time(name) <= cutoff:
                    yield name


def orphans_delete(names: Iterable[str]) -> int:
    deleted = 0
    for name in names:
        default_storage.delete(name)
        deleted += 1
    return deleted
