"""Every destructive action asks first, the same way: a `data-confirm` question that
static/js/trestle.js puts to the user before the form posts (the browser proof is
tests/browser/test_confirm_ui.py and tests/browser/test_ap_payment_void_ui.py)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = sorted(
    path
    for root in [settings.BASE_DIR / "templates", *settings.BASE_DIR.glob("apps/*/templates")]
    for path in Path(root).rglob("*.html")
)
# A destructive word as a whole segment of a URL name or field name ("ap_payment_void", "remove"),
# so "avoid" or "voided_at" do not count.
WORDS = "delete|void|remove|revoke|unmap|disconnect|withdraw"
DESTRUCTIVE = re.compile(rf"(?<![a-z])({WORDS})(?![a-z])")
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
SUBMITTER = re.compile(r"<(?:button|input)\b[^>]*>", re.S | re.I)
TARGET = re.compile(r"\b(?:action|hx-post|hx-delete)\s*=\s*\"([^\"]*)\"")
OWN_TARGET = re.compile(r"\b(?:formaction|hx-post|hx-delete|name|value)\s*=\s*\"([^\"]*)\"")
ASKS = re.compile(r"\b(?:data-confirm|hx-confirm)\s*=\s*\"[^\"]+\"")
# URL names whose page is itself the confirmation step: it explains what stops and what is
# kept, and its button is reached only from there, so a second question would be noise.
CONFIRMED_BY_PAGE = {"project_procore_unmap"}


def unconfirmed(text: str) -> list[str]:
    """The destructive forms and buttons in a template's text that do not ask before posting."""
    found = []
    for form in FORM.finditer(text):
        target = TARGET.search(form.group(1))
        if target and _destructive(target.group(1)) and not ASKS.search(form.group(0)):
            found.append(f"form posting to {target.group(1)}")
    for tag in SUBMITTER.finditer(text):
        names = [value for value in OWN_TARGET.findall(tag.group(0)) if _destructive(value)]
        if names and not ASKS.search(tag.group(0)):
            found.append(f"button {names[0]}")
    return found


def _destructive(value: str) -> bool:
    return bool(DESTRUCTIVE.search(value)) and not any(n in value for n in CONFIRMED_BY_PAGE)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_every_destructive_form_asks_for_confirmation(template):
    assert unconfirmed(template.read_text()) == []


def test_the_guard_catches_a_delete_form_that_does_not_ask():
    bare = "<form action=\"{% url 'quantity_delete' q.pk %}\"><button>Delete</button></form>"
    asking = bare.replace("<button>", '<button data-confirm="Delete it?">')
    assert unconfirmed(bare) == ["form posting to {% url 'quantity_delete' q.pk %}"]
    assert unconfirmed(asking) == []


def test_the_guard_catches_a_remove_button_on_an_update_form_and_ignores_lookalikes():
    remove = '<form action="/m/1/update/"><button name="remove" value="1">Remove</button></form>'
    assert unconfirmed(remove) == ["button remove"]
    assert unconfirmed('<form action="/avoid/"><input name="voided_at"></form>') == []
