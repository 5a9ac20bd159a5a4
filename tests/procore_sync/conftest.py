"""Fixtures for the Procore client: a connection with known tokens, and a client whose sleeps,
jitter and clock are recorded instead of real."""

import json
import re
import threading
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.db import connection as db_connection
from django.utils import timezone

from apps.procore_sync.client.http import ProcoreClient, RetryPolicy
from apps.procore_sync.models import ProcoreConnection

API = "https://api.procore.test"
LOGIN = "https://login.procore.test"
ACCESS = "access-token-SECRET-0001"
REFRESH = "refresh-token-SECRET-0001"
COMPANY_ID = 9_876_543_210_123  # wider than 32 bits on purpose
# A create the published contract accepts, for tests of the client's HTTP machinery (the
# suite's contract audit checks every request the client sends, mocked or not).
CE_PATH = "/rest/v1.0/change_events"
CE_SCOPE = {"project_id": 3}
CE_EVENT = {"title": "COR 1", "change_event_status_id": 1, "event_scope": "tbd"}
CE_BODY = {"change_event": CE_EVENT}


RUN = uuid.uuid4().hex[:8]


@pytest.fixture(autouse=True)
def procore_settings(settings):
    settings.PROCORE_API_URL = API
    settings.PROCORE_LOGIN_URL = LOGIN
    settings.PROCORE_TIMEOUT_SECONDS = 5
    # Rate budgets and circuits are keyed by connection id, and ids restart when the test
    # database is recreated: a prefix per run keeps an older run's keys out of this one.
    cache = settings.CACHES["default"]
    settings.CACHES = {"default": {**cache, "KEY_PREFIX": f"{cache.get('KEY_PREFIX', '')}-{RUN}"}}


def make_connection(office, **fields) -> ProcoreConnection:
    values = {
        "company_id": COMPANY_ID,
        "company_name": "Acme Procore",
        "access_token": ACCESS,
        "refresh_token": REFRESH,
        "expires_at": timezone.now() + timedelta(seconds=5400),
        **fields,
    }
    return ProcoreConnection.objects.create(office=office, **values)


@pytest.fixture
def connection(tenant) -> ProcoreConnection:
    return make_connection(tenant.office)


class FakeTime:
    """A clock that only moves when the client sleeps; every sleep is recorded."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_client(fake_time):
    def make(connection, *, jitter: float = 1.0, retry: RetryPolicy | None = None):
        return ProcoreClient(
            connection,
            retry=retry or RetryPolicy(),
            sleep=fake_time.sleep,
            jitter=lambda: jitter,
            clock=fake_time.clock,
        )

    return make


def concurrent_gets(connection: ProcoreConnection, workers: int) -> list[Exception]:
    """`workers` threads, each with its own client and database connection, call Procore at the
    same moment; returns what they raised (the refresh races these tests are about)."""
    barrier = threading.Barrier(workers)
    failures: list[Exception] = []

    def worker():
        try:
            client = ProcoreClient(ProcoreConnection.objects.get(pk=connection.pk))
            barrier.wait()
            client.get("/rest/v1.0/me")
        except Exception as exc:  # collected for the test to assert on
            failures.append(exc)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def query_of(request) -> dict[str, list[str]]:
    return parse_qs(urlsplit(request.url).query)


def paged(items: list, *, path: str):
    """A `responses` callback serving `items` the way Procore pages a list."""

    def callback(request):
        query = query_of(request)
        page, per_page = int(query["page"][0]), int(query["per_page"][0])
        chunk = items[(page - 1) * per_page : page * per_page]
        last = max(1, -(-len(items) // per_page))
        links = [f'<{API}{path}?page={last}&per_page={per_page}>; rel="last"']
        if page < last:
            links.append(f'<{API}{path}?page={page + 1}&per_page={per_page}>; rel="next"')
        headers = {"Total": str(len(items)), "Per-Page": str(per_page), "Link": ", ".join(links)}
        return 200, headers, json.dumps(chunk)

    return callback


def url(path: str) -> re.Pattern:
    """Match `path` with any query string."""
    return re.compile(re.escape(f"{API}{path}") + r"(\?.*)?$")


@pytest.fixture(params=["redis", "database"])
def counter_backend(request, settings, db) -> str:
    """Run the test against each shared-counter backend: Redis (production), and the database
    beside Django's DatabaseCache (`make run` without Redis)."""
    if request.param == "database":
        prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "trestle_cache",
                "KEY_PREFIX": prefix,
            }
        }
        call_command("createcachetable", verbosity=0)
    return request.param
