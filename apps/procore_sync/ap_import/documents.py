"""An invoice's attachments as one PDF: every attachment must be a PDF (an invoice missing a
page is worse than one not imported yet), combined in Procore's order with pypdf."""

import hashlib
import io
import re
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from ..client import resources
from ..client.http import ProcoreClient

SOURCE = re.compile(r"procore-invoice-\d+-([0-9a-f]{8})[^/]*\.pdf$")


class DocumentError(Exception):
    """An attachment that cannot be part of the invoice's PDF; the message says which and why."""


def _name(attachment: dict) -> str:
    return str(attachment.get("filename") or attachment.get("name") or attachment.get("id"))


def download(client: ProcoreClient, attachment: dict) -> bytes:
    # Procore's links are absolute and pre-signed; a relative one is resolved on the API host.
    url = urljoin(settings.PROCORE_API_URL.rstrip("/") + "/", attachment["url"])
    return resources.attachment_download(client, {**attachment, "url": url})


def combine(files: list[tuple[str, bytes]]) -> tuple[bytes, int]:
    """(filename, bytes) of each attachment -> the combined PDF and its page count."""
    writer = PdfWriter()
    for name, content in files:
        if not content.lstrip()[:5].startswith(b"%PDF"):
            raise DocumentError(
                f"Attachment {name} is not a PDF: Procore invoices are imported as one PDF, so "
                "attach the invoice as a PDF in Procore."
            )
        try:
            writer.append(PdfReader(io.BytesIO(content)))
        except (PdfReadError, ValueError, KeyError) as exc:
            raise DocumentError(f"Attachment {name} could not be read as a PDF ({exc}).") from exc
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue(), len(writer.pages)


def attachment_files(client: ProcoreClient, attachments: list[dict]) -> list[tuple[str, bytes]]:
    """(filename, bytes) of each attachment, in Procore's order: HTTP only (no database), so
    it may run in a download thread (`downloads.py`)."""
    return [(_name(a), download(client, a)) for a in readable(attachments)]


def readable(attachments: Any) -> list[dict]:
    """Procore's `attachments`, each with a link to download; DocumentError says what is wrong
    (a wrong type here would otherwise be a TypeError that stops the whole run)."""
    if not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments):
        raise DocumentError(
            f"Procore's 'attachments' of this invoice should be a list of files, got "
            f"{type(attachments).__name__}."
        )
    for attachment in attachments:
        if not isinstance(attachment.get("url"), str) or not attachment["url"]:
            raise DocumentError(
                f"Attachment {_name(attachment)} has no link to download it ('url' is "
                f"{attachment.get('url')!r})."
            )
    return attachments


def attachments_print(attachments: list[dict]) -> str:
    """Eight hex digits naming Procore's attachments (ids and names, in order): the imported
    PDF's file name carries them, so a later comparison knows what the PDF was built from."""
    names = "|".join(f"{a.get('id')}:{_name(a)}" for a in attachments)
    return hashlib.sha256(names.encode()).hexdigest()[:8]


def built_from(file_name: str) -> str | None:
    """The attachments print an imported PDF was built from; None for a PDF uploaded in
    Trestle (or imported before PDFs carried it)."""
    found = SOURCE.search(file_name or "")
    return found.group(1) if found else None
