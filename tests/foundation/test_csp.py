"""The Content-Security-Policy: on every page, including the sandbox's and the OAuth flow's, and
no template holding what it refuses (the browser proof is tests/browser/test_csp_ui.py)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile

from apps.procore_sandbox.models import SandboxApp
from tests.ap_invoices.conftest import ap, make_invoice  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
}
TEMPLATES = sorted(
    path
    for root in [settings.BASE_DIR / "templates", *settings.BASE_DIR.glob("apps/*/templates")]
    for path in Path(root).rglob("*")
    if path.suffix in (".html", ".svg")
)
TAG = re.compile(r"<[a-zA-Z][^>]*>", re.S)
REFUSED = {
    "an inline <script> without a nonce": re.compile(r"<script(?![^>]*\b(?:src|nonce)=)[^>]*>"),
    "an on*= handler attribute": re.compile(r"\son[a-z]+\s*=\s*[\"']"),
    "a style attribute": re.compile(r"\sstyle\s*=\s*[\"']"),
    "a <style> element": re.compile(r"<style[\s>]"),
    "an htmx trigger filter (eval)": re.compile(r"hx-trigger=\"[^\"]*\["),
}


def _policy(response) -> set[str]:
    return {part.strip() for part in response["Content-Security-Policy"].split(";")}


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/", "/cors/", "/timecards/", "/sync/", "/api/v1/docs/"]
)
def test_pages_carry_the_strict_policy(client_as, path):
    response = client_as("owner").get(path)
    assert response.status_code == 200
    assert _policy(response) >= STRICT


def test_the_browsable_api_alone_allows_inline_style_never_script(client_as):
    client = client_as("owner")
    page = _policy(client.get("/api/v1/cors/", HTTP_ACCEPT="text/html"))
    assert "style-src 'self' 'unsafe-inline'" in page
    assert "script-src 'self'" in page
    assert "style-src 'self'" in _policy(client.get("/cors/"))


def test_the_sandbox_pages_carry_it_too(client):
    response = client.get("/procore-sandbox/change/")
    assert response.status_code == 200
    assert _policy(response) >= STRICT


def test_the_consent_page_lets_its_form_reach_the_registered_redirect_uri(client):
    app = SandboxApp.objects.create(
        name="Trestle", client_id="cid", redirect_uris=["https://trestle.example/procore/callback/"]
    )
    query = {"client_id": app.client_id, "redirect_uri": app.redirect_uris[0]}
    response = client.get("/procore-sandbox/oauth/authorize", {**query, "response_type": "code"})
    assert response.status_code == 200
    policy = _policy(response)
    assert "form-action 'self' https://trestle.example" in policy
    assert "script-src 'self'" in policy


def test_the_invoice_document_may_be_framed_by_its_own_page_only(client_as, ap, tenant):  # noqa: F811
    pdf = ContentFile(b"%PDF-1.4 ours", name="a.pdf")
    invoice = make_invoice(ap, tenant.owner, document=pdf)
    client = client_as("owner")
    page = client.get(f"/ap-invoices/{invoice.pk}/")
    document = client.get(f"/ap-invoices/{invoice.pk}/document/")
    assert "frame-ancestors 'none'" in _policy(page)
    assert "frame-ancestors 'self'" in _policy(document)
    assert document["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_no_template_holds_what_the_policy_refuses(template):
    text = template.read_text()
    found = [
        f"{what}: {match.group(0)[:80]}"
        for tag in TAG.finditer(text)
        for what, pattern in REFUSED.items()
        for match in pattern.finditer(tag.group(0))
    ]
    assert found == []
