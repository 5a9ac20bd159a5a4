"""End to end over real HTTP (live server + requests), as procore_sync meets the sandbox."""

import re
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from apps.procore_sandbox import faults, registry
from apps.procore_sandbox.models import SandboxRecord

from .conftest import BASE, make_sandbox

CALLBACK = "http://127.0.0.1:8000/procore/callback/"


@pytest.fixture
def live(transactional_db, live_server, client):
    faults.reset_faults()
    sandbox = make_sandbox(client)
    session = requests.Session()
    session.headers.update(
        {
            "Authorization": f"Bearer {sandbox.token.access_token}",
            "Procore-Company-Id": str(sandbox.company.id),
        }
    )
    sandbox.http = session
    sandbox.url = f"{live_server.url}{BASE}"
    yield sandbox
    faults.reset_faults()


def _create_sub_job(live, origin_id: str) -> requests.Response:
    body = {"project_id": live.project.id, "sub_job": {"name": "East", "origin_id": origin_id}}
    return live.http.post(f"{live.url}/rest/v1.0/sub_jobs", json=body, timeout=5)


def _count(origin_id: str) -> int:
    return SandboxRecord.objects.filter(resource="sub_jobs", origin_id=origin_id).count()


def test_oauth_code_flow_and_refresh_rotation_over_http(live):
    app = registry.app_register(redirect_uris=[CALLBACK])
    browser = requests.Session()
    query = {
        "client_id": app.client_id,
        "response_type": "code",
        "redirect_uri": CALLBACK,
        "state": "xyz",
    }
    page = browser.get(f"{live.url}/oauth/authorize", params=query, timeout=5)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    user_id = re.search(r'<option value="(\d+)" selected', page.text).group(1)
    consent = {**query, "csrfmiddlewaretoken": csrf, "decision": "allow", "user_id": user_id}
    answer = browser.post(
        f"{live.url}/oauth/authorize",
        data=consent,
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=5,
    )
    redirect = parse_qs(urlparse(answer.headers["Location"]).query)
    assert redirect["state"] == ["xyz"]
    secret = {"client_id": app.client_id, "client_secret": app.client_secret}
    tokens = requests.post(
        f"{live.url}/oauth/token",
        data={**secret, "grant_type": "authorization_code", "code": redirect["code"][0]}
        | {"redirect_uri": CALLBACK},
        timeout=5,
    ).json()
    me = requests.get(
        f"{live.url}/rest/v1.0/me",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=5,
    )
    assert me.json()["login"] == registry.DEMO_LOGIN

    refresh = {**secret, "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    faults.set_faults(drop_after=1.0)  # the refresh is applied but its answer is lost
    with pytest.raises(requests.ConnectionError):
        requests.post(f"{live.url}/oauth/token", json=refresh, timeout=5)
    faults.reset_faults()
    replay = requests.post(f"{live.url}/oauth/token", json=refresh, timeout=5)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_pagination_headers_over_http(live):
    for n in range(5):
        live.add("sub_jobs", name=f"S{n}")
    params = {"project_id": live.project.id, "per_page": 2, "page": 2}
    response = live.http.get(f"{live.url}/rest/v1.0/sub_jobs", params=params, timeout=5)
    assert response.headers["Total"] == "5" and response.headers["Per-Page"] == "2"
    assert set(response.links) == {"first", "next", "last"}
    follow = live.http.get(response.links["next"]["url"], timeout=5)
    assert [s["name"] for s in follow.json()] == ["S4"]


def test_bad_payload_and_duplicate_origin_id_are_422_over_http(live):
    bad = live.http.post(
        f"{live.url}/rest/v1.0/sub_jobs",
        json={"project_id": live.project.id, "sub_job": {"name": ["x"]}},
        timeout=5,
    )
    first, duplicate = _create_sub_job(live, "o-1"), _create_sub_job(live, "o-1")
    assert bad.status_code == 422 and "sub_job.name" in bad.json()["errors"]
    assert first.status_code == 201
    assert duplicate.status_code == 422 and _count("o-1") == 1


def test_rate_limit_answers_429_once_the_spike_budget_is_spent(live):
    faults.set_faults(rate_limit_spike=3, rate_limit_hourly=600)
    if time.time() % 10 > 8:  # the spike window is a fixed 10 s: start well inside one
        time.sleep(10.05 - time.time() % 10)
    answers = [live.http.get(f"{live.url}/rest/v1.0/me", timeout=5) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-Rate-Limit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert answers[0].headers["X-Rate-Limit-Limit"] == "3"
    assert int(answers[3].headers["X-Rate-Limit-Reset"]) > time.time() - 1
    assert int(answers[3].headers["Retry-After"]) >= 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_at_the_configured_share(live, status):
    faults.set_faults(**{f"error_{status}": 1.0})
    response = _create_sub_job(live, "o-err")
    assert response.status_code == status and _count("o-err") == 0
    if status == 503:
        assert response.headers["Retry-After"] == "1"


def test_fault_draws_are_deterministic_for_a_seed(live):
    def run() -> list[int]:
        faults.set_faults(seed=42, error_500=0.5)
        return [live.http.get(f"{live.url}/rest/v1.0/me", timeout=5).status_code for _ in range(12)]

    first, second = run(), run()
    assert first == second
    assert {200, 500} == set(first)


def test_added_latency(live):
    faults.set_faults(latency_ms=300)
    started = time.monotonic()
    live.http.get(f"{live.url}/rest/v1.0/me", timeout=5)
    assert time.monotonic() - started >= 0.3


def test_a_connection_dropped_before_the_write_creates_nothing(live):
    faults.set_faults(drop_before=1.0)
    with pytest.raises(requests.ConnectionError):
        _create_sub_job(live, "o-before")
    assert _count("o-before") == 0


def test_a_write_applied_but_its_response_lost(live):
    faults.set_faults(drop_after=1.0)
    with pytest.raises(requests.ConnectionError):
        _create_sub_job(live, "o-after")
    faults.reset_faults()
    found = live.http.get(
        f"{live.url}/rest/v1.0/sub_jobs",
        params={"project_id": live.project.id},  # sub jobs publish no filters[origin_id]
        timeout=5,
    )
    assert _count("o-after") == 1
    assert [job["origin_id"] for job in found.json()].count("o-after") == 1


def test_429_bursts_come_in_runs(live):
    faults.set_faults(seed=3, rate_429=0.15, burst_429=3)
    codes = [live.http.get(f"{live.url}/rest/v1.0/me", timeout=5).status_code for _ in range(30)]
    runs = re.findall(r"4+", "".join("4" if code == 429 else "2" for code in codes))
    assert runs, codes
    assert all(len(run) >= 3 for run in runs[:-1])
    assert codes[0] == 200 or codes[:3] == [429] * 3


def test_early_access_token_expiry_over_http(live):
    assert live.http.get(f"{live.url}/rest/v1.0/me", timeout=5).status_code == 200
    faults.expire_access_tokens()
    assert live.http.get(f"{live.url}/rest/v1.0/me", timeout=5).status_code == 401
