"""Pagination streams page by page and survives a token expiring half-way."""

import json
from collections.abc import Iterator

import responses

from apps.procore_sync.client import resources
from apps.procore_sync.client.pages import filters, pages, per_page_for

from .conftest import ACCESS, API, COMPANY_ID, LOGIN, paged, query_of, url

VENDORS = "/rest/v1.0/vendors"


@responses.activate
def test_10001_records_stream_one_page_at_a_time(connection, make_client):
    items = [{"id": 10_000_000_000 + n, "name": f"Vendor {n}"} for n in range(10_001)]
    responses.add_callback(responses.GET, url(VENDORS), callback=paged(items, path=VENDORS))
    client = make_client(connection)

    stream = resources.vendors(client, company_id=COMPANY_ID)
    assert isinstance(stream, Iterator)
    assert len(responses.calls) == 0  # nothing is fetched before it is asked for
    seen = 0
    for n, record in enumerate(stream):
        assert record["id"] == items[n]["id"]
        assert len(responses.calls) == n // 2000 + 1  # only the page being read is fetched
        seen += 1
    assert seen == 10_001
    asked = [query_of(c.request) for c in responses.calls]
    assert [q["page"] for q in asked] == [[str(p)] for p in range(1, 7)]
    assert {q["per_page"][0] for q in asked} == {"2000"}
    assert {q["company_id"][0] for q in asked} == {str(COMPANY_ID)}


@responses.activate
def test_pages_report_procore_totals(connection, make_client):
    path = "/rest/v1.1/projects"
    items = [{"id": n} for n in range(301)]
    responses.add_callback(responses.GET, url(path), callback=paged(items, path=path))
    got = list(pages(make_client(connection), path, {"company_id": COMPANY_ID}))
    assert [(p.number, len(p.records), p.total) for p in got] == [(1, 300, 301), (2, 1, 301)]


@responses.activate
def test_a_list_without_paging_headers_stops_at_a_short_page(connection, make_client):
    responses.get(f"{API}/rest/v1.0/change_event/statuses", json=[{"id": 1}, {"id": 2}])
    assert len(list(resources.change_event_statuses(make_client(connection), project_id=1))) == 2
    assert len(responses.calls) == 1


def test_page_sizes_follow_procore_caps():
    assert per_page_for("/rest/v1.1/projects") == 300
    assert per_page_for("/rest/v2.0/companies/1/projects/2/wbs/codes") == 100
    assert per_page_for("/rest/v1.0/vendors") == 2000


def test_filters_are_spelled_like_procore():
    from datetime import UTC, datetime

    since, until = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, 12, tzinfo=UTC)
    assert filters(updated_at=(since, until), origin_id="t-1", id=[1, 2]) == {
        "filters[updated_at]": "2026-01-01T00:00:00Z...2026-01-02T12:00:00Z",
        "filters[origin_id]": "t-1",
        "filters[id][]": [1, 2],
    }


@responses.activate
def test_array_filters_are_sent_as_repeated_keys(connection, make_client):
    responses.get(url(VENDORS), json=[])
    list(resources.vendors(make_client(connection), company_id=1, params=filters(id=[1, 2])))
    assert "filters%5Bid%5D%5B%5D=1&filters%5Bid%5D%5B%5D=2" in responses.calls[0].request.url


@responses.activate
def test_a_token_expiring_mid_pagination_is_refreshed_once(connection, make_client):
    items = [{"id": n} for n in range(5000)]
    serve = paged(items, path=VENDORS)
    valid = {ACCESS}

    def api(request):
        token = request.headers["Authorization"].removeprefix("Bearer ")
        if token not in valid:
            return 401, {}, json.dumps({"message": "The access token is invalid"})
        status, headers, body = serve(request)
        if query_of(request)["page"] == ["1"]:
            valid.discard(ACCESS)  # Procore expires the token early
        return status, headers, body

    def token(request):
        valid.add("access-2")
        answer = {"access_token": "access-2", "refresh_token": "refresh-2", "expires_in": 5400}
        return 200, {}, json.dumps({**answer, "token_type": "bearer"})

    responses.add_callback(responses.GET, url(VENDORS), callback=api)
    responses.add_callback(responses.POST, f"{LOGIN}/oauth/token", callback=token)
    got = list(resources.vendors(make_client(connection), company_id=1))
    assert [r["id"] for r in got] == list(range(5000))
    assert len([c for c in responses.calls if "oauth" in c.request.url]) == 1


@responses.activate
def test_v2_lists_are_unwrapped_from_data(connection, make_client):
    path = "/rest/v2.0/companies/1/projects/2/wbs/codes"
    items = [{"id": str(n)} for n in range(150)]
    serve = paged(items, path=path)

    def wrapped(request):
        status, headers, body = serve(request)
        return status, headers, json.dumps({"data": json.loads(body)})

    responses.add_callback(responses.GET, url(path), callback=wrapped)
    assert len(list(pages(make_client(connection), path))) == 2
    assert [r["id"] for p in pages(make_client(connection), path) for r in p.records][-1] == "149"
