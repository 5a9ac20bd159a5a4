"""The fault API itself, and the malformed answers it makes; other faults' effect over HTTP is
in test_live.py."""

import io
import json
from collections import Counter

import pytest
import requests
from django.core.management import CommandError, call_command
from django.http import HttpResponse

from apps.procore_sandbox import faults, ids
from apps.procore_sandbox.models import SandboxAttachment, SandboxConfig, SandboxRecord

from .conftest import BASE, make_sandbox


def test_unknown_fault_names_are_refused(db):
    with pytest.raises(TypeError):
        faults.set_faults(error_404=0.5)


def test_set_faults_replaces_the_previous_run(db):
    faults.set_faults(error_500=0.3, latency_ms=10)
    faults.set_faults(error_502=0.1)
    assert faults.current()["error_500"] == 0.0
    assert faults.current()["error_502"] == 0.1


def test_latency_can_slow_one_endpoint_only(sandbox, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(faults.time, "sleep", slept.append)
    faults.set_faults(latency_ms=1500, latency_paths=["/rest/v1.0/projects"])
    sandbox.call("GET", "/rest/v1.0/me")
    assert slept == []
    sandbox.call("GET", f"/rest/v1.0/projects?company_id={sandbox.company.id}")
    assert slept == [1.5]
    faults.set_faults(latency_ms=1500)  # no paths: every request, as before
    sandbox.call("GET", "/rest/v1.0/me")
    assert slept == [1.5, 1.5]


def test_without_a_socket_a_dropped_connection_raises(sandbox):
    faults.set_faults(drop_before=1.0)
    with pytest.raises(faults.ConnectionDropped):
        sandbox.call("GET", "/rest/v1.0/me")


def test_the_command_sets_shows_and_resets_faults(db):
    out = io.StringIO()
    call_command("procore_sandbox_faults", "error_503=0.2", "rate_limit_spike=25", stdout=out)
    assert faults.current()["error_503"] == 0.2 and '"rate_limit_spike": 25' in out.getvalue()
    call_command("procore_sandbox_faults", "--reset", stdout=io.StringIO())
    assert faults.current() == faults.DEFAULTS
    with pytest.raises(CommandError):
        call_command("procore_sandbox_faults", "nonsense", stdout=io.StringIO())


# --- malformed 2xx answers ------------------------------------------------------------------


def _vendors(sandbox) -> HttpResponse:
    return sandbox.call("GET", f"/rest/v1.0/vendors?company_id={sandbox.company.id}")


def _create_vendor(sandbox, name: str) -> HttpResponse:
    body = {"company_id": sandbox.company.id, "vendor": {"name": name, "origin_id": name}}
    return sandbox.call("POST", "/rest/v1.0/vendors", body)


def _stored(sandbox, name: str) -> int:
    return SandboxRecord.objects.filter(company=sandbox.company, data__name=name).count()


@pytest.fixture
def vendors(sandbox):
    for name in ("Steel Co", "Glass Co", "Wood Co"):
        sandbox.add("vendors", project=False, name=name, is_active=True)
    return sandbox


def test_a_truncated_body_is_a_200_json_answer_cut_part_way(vendors):
    whole = _vendors(vendors).content
    faults.set_faults(truncated_body=1.0)
    cut = _vendors(vendors)
    assert cut.status_code == 200 and cut["Content-Type"] == "application/json"
    assert 0 < len(cut.content) < len(whole) and whole.startswith(cut.content)
    assert cut["Total"] == "3"  # headers are the real answer's
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)


def test_an_html_200_is_a_proxy_page(vendors):
    faults.set_faults(html_200=1.0)
    page = _vendors(vendors)
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert page.content.startswith(b"<!DOCTYPE html>")


@pytest.mark.parametrize("kind", ["truncated_body", "html_200", "wrong_type"])
def test_a_write_answered_malformed_was_applied(sandbox, kind):
    faults.set_faults(**{kind: 1.0})
    answer = _create_vendor(sandbox, f"Applied {kind}")
    assert answer.status_code == 200  # a proxy's 200, not Procore's 201
    assert _stored(sandbox, f"Applied {kind}") == 1


@pytest.mark.parametrize(
    ("field", "wrong"),
    [("id", "not a number"), ("name", 12345), ("company", "[object Object]"), ("is_active", "yes")],
)
def test_wrong_type_changes_one_field_of_one_record(vendors, field, wrong):
    right = _vendors(vendors).json()
    faults.set_faults(wrong_type=1.0, wrong_type_fields=[field])
    got = _vendors(vendors).json()
    changed = [
        (n, key)
        for n, (a, b) in enumerate(zip(right, got, strict=True))
        for key in a
        if a[key] != b[key]
    ]
    assert len(changed) == 1 and changed[0][1] == field
    assert got[changed[0][0]][field] == wrong


def test_wrong_type_picks_from_the_seed(vendors):
    def changed_record(seed: int) -> int:
        faults.set_faults(seed=seed, wrong_type=1.0, wrong_type_fields=["name"])
        return next(n for n, v in enumerate(_vendors(vendors).json()) if v["name"] == 12345)

    picks = [changed_record(seed) for seed in range(8)]
    assert picks == [changed_record(seed) for seed in range(8)]
    assert len(set(picks)) > 1


def test_malformed_faults_honour_scope_and_max_faults(vendors):
    faults.set_faults(html_200=1.0, paths=["/rest/v1.0/vendors"], methods=["GET"], max_faults=1)
    assert vendors.call("GET", "/rest/v1.0/me").status_code == 200  # out of scope
    assert _create_vendor(vendors, "Posted").status_code == 201  # POST is out of scope
    assert _vendors(vendors)["Content-Type"].startswith("text/html")
    assert _vendors(vendors)["Content-Type"] == "application/json"  # max_faults spent
    assert SandboxConfig.objects.get(id=1).faulted_count == 1


def test_error_answers_and_attachments_are_never_malformed(sandbox):
    attachment = SandboxAttachment.objects.create(
        id=ids.allocate(), filename="inv.pdf", content_type="application/pdf", content=b"%PDF-1.4 x"
    )
    faults.set_faults(truncated_body=1.0)
    missing = sandbox.call("GET", "/rest/v1.0/vendors/1?company_id=1")
    download = sandbox.client.get(f"{BASE}/attachments/{attachment.id}/inv.pdf")
    assert missing.status_code in (403, 404) and missing.json()
    assert download.content == b"%PDF-1.4 x"


def test_adding_malformed_faults_keeps_the_older_draws_of_a_seed(db):
    def statuses(**more) -> list[int | None]:
        faults.set_faults(seed=11, error_503=0.4, **more)
        return [faults.draw(faults.current()).error_status for _ in range(20)]

    assert statuses() == statuses(html_200=0.3, wrong_type=0.3)


def test_malformed_shares_are_drawn_at_their_rate(db):
    faults.set_faults(seed=2, truncated_body=0.2, html_200=0.2, wrong_type=0.2)
    kinds = Counter(faults.draw(faults.current()).malformed for _ in range(500))
    assert all(70 < kinds[kind] < 130 for kind in faults.MALFORMED_KINDS), kinds
    assert SandboxConfig.objects.get(id=1).faulted_count == 500 - kinds[None]


def test_the_command_accepts_the_malformed_faults(db):
    call_command(
        "procore_sandbox_faults", "truncated_body=0.1", "html_200=0.05", "wrong_type=0.2",
        'wrong_type_fields=["name"]', stdout=io.StringIO(),
    )  # fmt: skip
    assert faults.current() | {"seed": 0} == faults.DEFAULTS | {
        "truncated_body": 0.1, "html_200": 0.05, "wrong_type": 0.2, "wrong_type_fields": ["name"]
    }  # fmt: skip
    call_command("procore_sandbox_faults", "wrong_type_fields=name,title", stdout=io.StringIO())
    assert faults.current()["wrong_type_fields"] == ["name", "title"]


def test_the_faults_command_takes_plain_lists_and_names_what_a_bad_value_needs(db):
    out = io.StringIO()
    call_command(
        "procore_sandbox_faults", "methods=POST, PATCH", "paths=/rest/v1.0/change_events",
        "error_503=1", "max_faults=null", "latency_paths=", stdout=out,
    )  # fmt: skip
    now = faults.current()
    assert now["methods"] == ["POST", "PATCH"] and now["paths"] == ["/rest/v1.0/change_events"]
    assert now["error_503"] == 1.0 and now["max_faults"] is None and now["latency_paths"] == []
    refusals = {
        "error_503=abc": "error_503 takes a share from 0 to 1, e.g. error_503=0.2; got 'abc'",
        "error_503=1.5": "error_503 takes a share from 0 to 1",
        "burst_429=2.5": "burst_429 takes a whole number, e.g. burst_429=3; got '2.5'",
        "latency_ms=-1": "latency_ms takes a whole number",
        "paths=[1]": "paths takes a list of words, e.g. paths=a,b",
        'methods=["POST"': "methods: '[\"POST\"' is not a JSON list",
        "error_999=0.1": "unknown fault error_999; the names are: seed, error_500",
        "nonsense": "faults are name=value pairs, e.g. error_503=0.2",
    }
    for argument, message in refusals.items():
        with pytest.raises(CommandError) as refused:
            call_command("procore_sandbox_faults", argument, stdout=io.StringIO())
        assert message in str(refused.value), argument
    assert faults.current() == now  # a refused value changes nothing


def test_the_faults_command_help_shows_a_list_example(capsys):
    from apps.procore_sandbox.management.commands.procore_sandbox_faults import Command

    Command().create_parser("manage.py", "procore_sandbox_faults").print_help()
    assert "methods=POST,PATCH" in " ".join(capsys.readouterr().out.split())


def test_a_truncated_body_arrives_whole_over_http(live_server, transactional_db, client):
    """Content-Length matches the cut body: the client gets a complete 200 that is not JSON,
    not a connection error."""
    sandbox = make_sandbox(client)
    sandbox.add("vendors", project=False, name="Steel Co")
    faults.set_faults(truncated_body=1.0)
    answer = requests.get(
        f"{live_server.url}{BASE}/rest/v1.0/vendors",
        params={"company_id": sandbox.company.id},
        headers={
            "Authorization": f"Bearer {sandbox.token.access_token}",
            "Procore-Company-Id": str(sandbox.company.id),
        },
        timeout=5,
    )
    faults.reset_faults()
    assert answer.status_code == 200 and answer.content.startswith(b"[{")
    with pytest.raises(requests.JSONDecodeError):
        answer.json()
