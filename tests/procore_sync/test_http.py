"""The client's retry rules, typed errors and headers, against `responses`."""

import logging

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from apps.procore_sync.client import resources
from apps.procore_sync.client.errors import (
    NeedsReconnect,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    ProcoreUnavailable,
    RateLimited,
    ValidationError,
)
from apps.procore_sync.client.http import RetryPolicy
from apps.procore_sync.client.idempotent import create_idempotent, first_with_origin_id
from apps.procore_sync.client.pages import filters
from apps.procore_sync.client.ratewindow import GRACE
from apps.procore_sync.models import ConnectionStatus

from .conftest import ACCESS, API, CE_BODY, CE_EVENT, CE_PATH, CE_SCOPE, COMPANY_ID, LOGIN, REFRESH

ME = f"{API}/rest/v1.0/me"
CREATE = f"{API}/rest/v1.0/change_events"


def reset_error() -> requests.ConnectionError:
    return requests.ConnectionError(
        ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
    )


def test_backoff_table_is_capped_exponential_with_full_jitter():
    policy = RetryPolicy(base=0.5, cap=30)
    assert [policy.backoff(n, lambda: 1.0) for n in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert [policy.backoff(n, lambda: 0.25) for n in range(4)] == [0.125, 0.25, 0.5, 1.0]


@responses.activate
def test_it_retries_5xx_then_succeeds(connection, make_client, fake_time):
    for status in (500, 502, 504):
        responses.get(ME, status=status)
    responses.get(ME, json={"id": 1})
    assert make_client(connection, jitter=0.5).get("/rest/v1.0/me") == {"id": 1}
    assert fake_time.sleeps == [0.25, 0.5, 1.0]


@responses.activate
def test_it_gives_up_after_bounded_attempts(connection, make_client, fake_time):
    responses.get(ME, status=503)
    with pytest.raises(ProcoreUnavailable) as caught:
        make_client(connection).get("/rest/v1.0/me")
    assert len(responses.calls) == 5
    assert fake_time.sleeps == [0.5, 1, 2, 4]
    assert caught.value.status == 503


@responses.activate
def test_it_stops_when_the_total_wait_would_exceed_the_budget(connection, make_client, fake_time):
    responses.get(ME, status=502)
    client = make_client(connection, retry=RetryPolicy(max_attempts=10, max_total=5))
    with pytest.raises(ProcoreUnavailable):
        client.get("/rest/v1.0/me")
    assert fake_time.sleeps == [0.5, 1, 2]  # the next wait (4) would pass 5 s in total


@responses.activate
def test_429_waits_until_the_rate_limit_resets(connection, make_client, fake_time):
    reset = fake_time.now + 7
    limited = {"X-Rate-Limit-Limit": "25", "X-Rate-Limit-Remaining": "0"}
    responses.get(ME, status=429, headers={**limited, "X-Rate-Limit-Reset": str(int(reset))})
    responses.get(ME, json={"id": 1})
    assert make_client(connection).get("/rest/v1.0/me") == {"id": 1}
    assert fake_time.sleeps == [7.0 + GRACE]  # once, until the budget takes the window as reset
    connection.refresh_from_db()
    assert connection.rate_limited_count == 1


@responses.activate
def test_429_with_a_distant_reset_raises_rate_limited(connection, make_client, fake_time):
    reset = int(fake_time.now + 1800)
    responses.get(ME, status=429, headers={"X-Rate-Limit-Reset": str(reset)})
    with pytest.raises(RateLimited) as caught:
        make_client(connection).get("/rest/v1.0/me")
    assert caught.value.retry_at == reset + GRACE
    assert fake_time.sleeps == []


@responses.activate
def test_503_honours_retry_after(connection, make_client, fake_time):
    responses.get(ME, status=503, headers={"Retry-After": "3"})
    responses.get(ME, json={"id": 1})
    make_client(connection).get("/rest/v1.0/me")
    assert fake_time.sleeps == [3.0]


@responses.activate
def test_get_timeout_then_success(connection, make_client, fake_time):
    responses.get(ME, body=requests.ReadTimeout())
    responses.get(ME, json={"id": 1})
    assert make_client(connection).get("/rest/v1.0/me") == {"id": 1}
    assert fake_time.sleeps == [0.5]


@responses.activate
def test_get_connection_reset_then_success(connection, make_client):
    responses.get(ME, body=reset_error())
    responses.get(ME, json={"id": 1})
    assert make_client(connection).get("/rest/v1.0/me") == {"id": 1}


@pytest.mark.parametrize("failure", [requests.ReadTimeout(), reset_error()])
@responses.activate
def test_a_create_is_never_resent_after_a_lost_answer(connection, make_client, failure):
    responses.post(CREATE, body=failure)
    with pytest.raises(OutcomeUnknown):
        make_client(connection).post(CE_PATH, CE_BODY, CE_SCOPE)
    assert len(responses.calls) == 1


@responses.activate
def test_a_create_is_not_resent_after_a_500(connection, make_client):
    responses.post(CREATE, status=500)
    with pytest.raises(OutcomeUnknown):
        make_client(connection).post(CE_PATH, CE_BODY, CE_SCOPE)
    assert len(responses.calls) == 1


@pytest.mark.parametrize(
    "first",
    [
        {"status": 503, "headers": {"Retry-After": "1"}},
        {"status": 429, "headers": {"Retry-After": "1"}},
        {"body": requests.ConnectTimeout()},
        {
            "body": requests.ConnectionError(
                MaxRetryError(None, "/", NewConnectionError(None, "no"))
            )
        },
    ],
)
@responses.activate
def test_a_create_is_resent_when_procore_surely_did_not_apply_it(connection, make_client, first):
    responses.post(CREATE, **first)
    responses.post(CREATE, json={"id": 5}, status=201)
    assert make_client(connection).post(CE_PATH, CE_BODY, CE_SCOPE) == {"id": 5}


@responses.activate
def test_create_after_a_timeout_finds_the_record_by_origin_id(connection, make_client):
    """The POST landed but its answer was lost: the lookup finds it; nothing is created twice."""
    created: list[dict] = []

    def post(request):
        created.append({"id": 77, "origin_id": "trestle-cor-1"})
        raise requests.ReadTimeout()

    responses.add_callback(responses.POST, CREATE, callback=post)
    responses.add_callback(
        responses.GET, CREATE, callback=lambda r: (200, {}, __import__("json").dumps(created))
    )
    client = make_client(connection)

    def lookup():
        found = resources.change_events(client, project_id=3, params=filters(id=[77]))
        return first_with_origin_id(found, "trestle-cor-1")

    def create():
        body = {**CE_EVENT, "origin_id": "trestle-cor-1"}
        return resources.change_event_create(client, project_id=3, change_event=body)

    assert create_idempotent(lookup=lookup, create=create)["id"] == 77
    assert create_idempotent(lookup=lookup, create=create)["id"] == 77
    assert len(created) == 1
    assert len(responses.calls) == 4  # lookup, POST, lookup; then one lookup


@responses.activate
def test_an_unresolved_outcome_is_raised_not_recreated(connection, make_client):
    responses.post(CREATE, body=requests.ReadTimeout())
    client = make_client(connection)
    with pytest.raises(OutcomeUnknown):
        create_idempotent(
            lookup=lambda: None, create=lambda: client.post(CE_PATH, CE_BODY, CE_SCOPE)
        )
    assert len([c for c in responses.calls if c.request.method == "POST"]) == 1


@pytest.mark.parametrize(
    ("status", "error", "counter"),
    [
        (403, PermissionDenied, "forbidden_count"),
        (404, NotFound, "not_found_count"),
        (422, ValidationError, None),
        (400, ValidationError, None),
    ],
)
@responses.activate
def test_permanent_errors_are_typed_and_never_retried(
    connection, make_client, status, error, counter
):
    responses.get(ME, status=status, json={"errors": ["App is not connected to this company."]})
    with pytest.raises(error) as caught:
        make_client(connection).get("/rest/v1.0/me")
    assert len(responses.calls) == 1
    assert caught.value.status == status
    assert "App is not connected to this company." in caught.value.message
    if counter:
        connection.refresh_from_db()
        assert getattr(connection, counter) == 1


@responses.activate
def test_every_call_carries_the_connection_company_and_token(connection, make_client):
    responses.get(ME, json={})
    responses.get(f"{API}/rest/v1.0/vendors", json=[])
    client = make_client(connection)
    client.get("/rest/v1.0/me")
    list(resources.vendors(client, company_id=COMPANY_ID))
    for call in responses.calls:
        assert call.request.headers["Procore-Company-Id"] == "9876543210123"
        assert call.request.headers["Authorization"] == f"Bearer {ACCESS}"


def token_answer(n: int) -> dict:
    return {
        "access_token": f"access-{n}",
        "refresh_token": f"refresh-{n}",
        "token_type": "bearer",
        "expires_in": 5400,
        "created_at": 1_700_000_000,
    }


@responses.activate
def test_a_401_refreshes_once_and_retries(connection, make_client):
    responses.get(ME, status=401, json={"message": "The access token is invalid"})
    responses.get(ME, json={"id": 1})
    responses.post(f"{LOGIN}/oauth/token", json=token_answer(2))
    assert make_client(connection).get("/rest/v1.0/me") == {"id": 1}
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer access-2"
    connection.refresh_from_db()
    assert (connection.access_token, connection.refresh_token) == ("access-2", "refresh-2")
    assert connection.unauthorized_count == 1


@responses.activate
def test_a_second_401_after_refresh_means_reconnect(connection, make_client):
    responses.get(ME, status=401)
    responses.post(f"{LOGIN}/oauth/token", json=token_answer(2))
    with pytest.raises(NeedsReconnect):
        make_client(connection).get("/rest/v1.0/me")
    assert len([c for c in responses.calls if "oauth" in c.request.url]) == 1
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.NEEDS_RECONNECT
    assert "reconnect" in connection.status_reason


@responses.activate
def test_no_token_or_secret_reaches_the_logs(connection, make_client, caplog, settings):
    caplog.set_level(logging.DEBUG)
    responses.get(ME, status=401)
    responses.get(ME, status=503)
    responses.get(ME, body=requests.ReadTimeout())
    responses.get(ME, json={"id": 1})
    responses.post(f"{LOGIN}/oauth/token", json=token_answer(2))
    make_client(connection).get("/rest/v1.0/me")
    responses.post(CREATE, status=422, json={"errors": {"title": ["can't be blank"]}})
    with pytest.raises(ValidationError) as caught:
        make_client(connection).post(CE_PATH, CE_BODY, CE_SCOPE)
    logged = caplog.text + str(caught.value)
    assert "procore GET /rest/v1.0/me -> 401" in caplog.text
    for secret in (ACCESS, REFRESH, "access-2", "refresh-2", settings.PROCORE_CLIENT_SECRET):
        assert secret not in logged


@responses.activate
def test_attachments_download_without_the_token_and_with_retries(connection, make_client):
    link = "https://files.procore.test/abc/invoice.pdf?X-Amz-Signature=SIGNED"
    responses.get(link, status=503)
    responses.get(link, body=b"%PDF-1.7 ...")
    attachment = {"id": 1, "url": link, "filename": "invoice.pdf"}
    assert resources.attachment_download(make_client(connection), attachment) == b"%PDF-1.7 ..."
    assert all("Authorization" not in c.request.headers for c in responses.calls)


@responses.activate
def test_an_oversized_attachment_is_refused(connection, make_client):
    link = "https://files.procore.test/big.pdf"
    responses.get(link, body=b"x" * 2048)
    with pytest.raises(ValidationError, match="larger"):
        make_client(connection).download(link, max_bytes=1024)
