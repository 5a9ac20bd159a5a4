"""What upload tests share: files whose content is (or only claims to be) a type, and the list of
what the tests' InMemoryStorage holds, to show a refused change stored nothing."""

import io
import zipfile

from django.core.files.storage import default_storage

PDF = b"%PDF-1.4\n%test document\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
# A page a browser would run, named and typed as a PDF by the client.
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def xlsx() -> bytes:
    """The parts by which an Office Open XML workbook is known (a zip with `xl/` inside)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as workbook:
        workbook.writestr("[Content_Types].xml", "<Types/>")
        workbook.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def stored_files(folder: str = "") -> set[str]:
    """Every file in default storage under `folder`, with its path."""
    directories, files = default_storage.listdir(folder)
    prefix = f"{folder}/" if folder else ""
    found = {f"{prefix}{name}" for name in files}
    for directory in directories:
        found |= stored_files(f"{prefix}{directory}")
    return found
