"""One policy for every file a person uploads: its size, its type, where it is kept, how it is
served.

The type is read from the file's first bytes (`filetype`), never from its name or the Content-Type
the client sent, so an HTML page renamed `invoice.pdf` is refused. A file is stored only inside a
write that keeps it: the write's new files are deleted when it fails, and the files it replaced
only once it has committed, so neither a refused edit nor a rolled-back one leaves a file behind
or a row without its file. (A file whose enclosing transaction rolls back after the write itself
succeeded is left for `manage.py upload_orphans`.)
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.http import FileResponse

PDF = frozenset({"application/pdf"})
IMAGES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff", "image/heic"}
)
OFFICE = frozenset(
    {
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "application/rtf",
    }
)
# Types a browser shows without running anything the file carries; everything else downloads.
INLINE = PDF | {"image/jpeg", "image/png", "image/gif", "image/webp"}
DOWNLOAD_TYPE = "application/octet-stream"
# filetype reads at most this much; Office formats are told apart a few KB in.
_HEAD_BYTES = 8192


def size_in_words(size: int) -> str:
    """25 MB, 300 KB, 12 bytes: how the limit reads in a message."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def limit_message(what: str = "A file") -> str:
    return f"{what} can be at most {size_in_words(settings.UPLOAD_MAX_BYTES)}."


def sniff(file: File) -> str | None:
    """The MIME type the file's content says, or None when it matches no known type."""
    position = file.tell()
    file.seek(0)
    head = file.read(_HEAD_BYTES)
    file.seek(position)
    kind = filetype.guess(head) if head else None
    return kind.mime if kind else None


@dataclass(frozen=True)
class Accepts:
    """What one kind of upload may be: MIME types by content, and how to say so to a person."""

    types: frozenset[str]
    label: str  # "a PDF"


def upload_check(file: File, *, accepts: Accepts, what: str = "A file") -> str:
    """The file's type when it may be kept; a ValidationError that says why when not."""
    if not file.size:
        raise ValidationError(f"{what} is empty.")
    if file.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(limit_message(what))
    mime = sniff(file)
    if mime not in accepts.types:
        found = f"its content is {mime}" if mime else "its content is of no type accepted here"
        raise ValidationError(f"{what} must be {accepts.label}: {found}, whatever its name says.")
    return mime


def extension(mime: str) -> str:
    """The extension a stored file of this (sniffed) type gets, dot included."""
    kind = filetype.get_type(mime=mime)
    return f".{kind.extension}" if kind else ""


@dataclass
class FileChanges:
    """Files one write stores and replaces (see `kept_on_commit`)."""

    stored: list[tuple[Storage, str]] = field(default_factory=list)

    def store(self, model_field: models.FileField, content: File, name: str) -> str:
        """Write `content` under the field's upload folder now; the name it got is returned.
        Written before the row, so an INSERT that fails still knows which file to delete."""
        # Our upload folders are strings ("ap-invoices/%Y/%m/"): no instance is needed.
        path = model_field.generate_filename(None, os.path.basename(name) or "upload")
        stored = model_field.storage.save(path, content, max_length=model_field.max_length)
        self.stored.append((model_field.storage, stored))
        return stored

    def replace(self, file: FieldFile, previous: str) -> None:
        """`previous` was the field's file before this write: it goes once the write commits."""
        if previous and previous != file.name:
            transaction.on_commit(partial(file.storage.delete, previous))


@contextmanager
def kept_on_commit() -> Iterator[FileChanges]:
    """An atomic block whose new files are deleted when it fails, and whose replaced files are
    deleted after it commits (a savepoint rolled back drops that callback with it)."""
    changes = FileChanges()
    try:
        with transaction.atomic():
            yield changes
    except BaseException:
        for storage, name in changes.stored:
            storage.delete(name)
        raise


def file_response(file: FieldFile, *, filename: str, inline: bool = False) -> FileResponse:
    """Served as what its content is, with `nosniff` so no browser second-guesses the type.
    With `inline`, a PDF or an image is shown in the page; anything else is always a download,
    and one of no type we know is `application/octet-stream`."""
    handle = file.open("rb")
    mime = sniff(handle)
    response = FileResponse(
        handle,
        as_attachment=not (inline and mime in INLINE),
        filename=filename,
        content_type=mime or DOWNLOAD_TYPE,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
