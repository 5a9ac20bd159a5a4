"""A 2xx whose body cannot be read is an ordinary, typed error: retried where a resend is safe,
OutcomeUnknown where the write may have landed, and never a JSONDecodeError."""

import json
import logging

import pytest
import requests
import responses

from apps.procore_sync.client import resources
from apps.procore_sync.client.errors import MalformedAnswer, OutcomeUnknown, ProcoreUnavailable
from apps.procore_sync.client.idempotent import create_idempotent, first_with_origin_id
from apps.procore_sync.client.pages import filters, pages

from .conftest import ACCESS, API, CE_BODY, CE_EVENT, CE_PATH, CE_SCOPE, COMPANY_ID, url

ME = f"{API}/rest/v1.0/me"
CREATE = f"{API}/rest/v1.0/change_events"
VENDORS = "/rest/v1.0/vendors"
SECRET_IN_BODY = "customer-SSN-123-45-6789"

HTML = f"<html><body>Please wait {SECRET_IN_BODY}</body></html>"
# Each kind of unreadable 200: the answer `responses` sends, and the words the error uses.
MALFORMED = {
    "truncated": ({"body": '{"id": 1, "name": "St', "content_type": "application/json"}, "cut-off"),
    "html_200": ({"body": HTML, "content_type": "text/html"}, "HTML page"),
    "plain_text": ({"body": "OK", "content_type": "text/plain"}, "not JSON but text/plain"),
}


@pytest.mark.parametrize("kind", MALFORMED)
@responses.activate
def test_a_get_with_an_unreadable_body_is_retried_then_succeeds(
    connection, make_client, fake_time, kind
):
    responses.get(ME, status=200, **MALFORMED[kind][0])
    responses.get(ME, json={"id": 1})
    assert make_client(connection, jitter=0.5).get("/rest/v1.0/me") == {"id": 1}
    assert len(responses.calls) == 2
    assert fake_time.sleeps == [0.25]


@pytest.mark.parametrize("kind", MALFORMED)
@responses.activate
def test_a_get_that_stays_unreadable_raises_a_typed_error(connection, make_client, fake_time, kind):
    answer, words = MALFORMED[kind]
    responses.get(ME, status=200, **answer)
    with pytest.raises(MalformedAnswer) as caught:
        make_client(connection).get("/rest/v1.0/me")
    assert isinstance(caught.value, ProcoreUnavailable)  # callers: "try again later"
    assert len(responses.calls) == 5
    assert fake_time.sleeps == [0.5, 1, 2, 4]
    assert caught.value.message.startswith("Procore's answer could not be read")
    assert words in caught.value.message
    assert caught.value.status == 200 and caught.value.body is None


@pytest.mark.parametrize("kind", MALFORMED)
@responses.activate
def test_a_create_answered_unreadably_is_outcome_unknown_and_never_resent(
    connection, make_client, kind
):
    responses.post(CREATE, status=201, **MALFORMED[kind][0])
    with pytest.raises(OutcomeUnknown) as caught:
        make_client(connection).post(CE_PATH, CE_BODY, CE_SCOPE)
    assert len(responses.calls) == 1
    assert MALFORMED[kind][1] in caught.value.message
    assert "may have been applied" in caught.value.message


@responses.activate
def test_a_create_answered_with_html_is_found_by_origin_id_not_duplicated(connection, make_client):
    """The proxy's page hid Procore's 201: the lookup finds the record the POST created."""
    created: list[dict] = []

    def post(request):
        created.append({"id": 77, "origin_id": "trestle-cor-1"})
        return 200, {"Content-Type": "text/html"}, "<html><body>Just a moment...</body></html>"

    responses.add_callback(responses.POST, CREATE, callback=post)
    responses.add_callback(responses.GET, url("/rest/v1.0/change_events"),
                           callback=lambda r: (200, {}, json.dumps(created)))  # fmt: skip
    client = make_client(connection)

    def lookup():
        found = resources.change_events(client, project_id=3, params=filters(id=[77]))
        return first_with_origin_id(found, "trestle-cor-1")

    def create():
        body = {**CE_EVENT, "origin_id": "trestle-cor-1"}
        return resources.change_event_create(client, project_id=3, change_event=body)

    assert create_idempotent(lookup=lookup, create=create)["id"] == 77
    assert len(created) == 1


@responses.activate
def test_a_patch_by_id_is_retried_but_a_non_idempotent_one_is_not(connection, make_client):
    path = "/rest/v1.0/change_events/5"
    scoped = {"project_id": 3, "change_event": {}}
    responses.patch(f"{API}{path}", body="<html></html>", content_type="text/html")
    responses.patch(f"{API}{path}", json={"id": 5})
    client = make_client(connection)
    assert client.patch(path, scoped, CE_SCOPE) == {"id": 5}
    responses.patch(f"{API}{path}", body='{"id": 5', content_type="application/json")
    with pytest.raises(OutcomeUnknown):
        client.patch(path, scoped, CE_SCOPE, idempotent=False)
    assert len(responses.calls) == 3


@responses.activate
def test_a_delete_is_retried_and_an_empty_answer_is_none(connection, make_client):
    path = "/rest/v1.0/projects/3/timecard_entries/5"
    responses.delete(f"{API}{path}", body="{", content_type="application/json")
    responses.delete(f"{API}{path}", status=204)
    assert make_client(connection).delete(path) is None
    assert len(responses.calls) == 2


@pytest.mark.parametrize("method", ["get", "post"])
@responses.activate
def test_a_body_cut_off_by_the_connection_is_a_lost_answer(connection, make_client, method):
    lost = requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead")
    getattr(responses, method)(CREATE, body=lost)
    getattr(responses, method)(CREATE, json={"id": 1})
    client = make_client(connection)
    if method == "get":
        assert client.get(CE_PATH, CE_SCOPE) == {"id": 1}
    else:
        with pytest.raises(OutcomeUnknown):
            client.post(CE_PATH, CE_BODY, CE_SCOPE)
        assert len(responses.calls) == 1


@responses.activate
def test_a_truncated_page_is_fetched_again_and_paging_goes_on(connection, make_client):
    first = [{"id": n} for n in range(2000)]
    link = f'<{API}{VENDORS}?page=2&per_page=2000>; rel="next"'
    responses.get(url(VENDORS), json=first, headers={"Link": link})
    responses.get(
        url(VENDORS), body=json.dumps([{"id": 2000}])[:7], content_type="application/json"
    )
    responses.get(url(VENDORS), json=[{"id": 2000}])
    got = list(resources.vendors(make_client(connection), company_id=COMPANY_ID))
    assert [r["id"] for r in got] == list(range(2001))
    assert len(responses.calls) == 3


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"message": "Service is warming up"}, "holds no list of records"),
        ({"data": "[object Array]"}, "holds no list of records"),
        ([{"id": 1}, "Steel Co"], "an entry that is not a record"),
        (None, "holds no list of records"),
    ],
)
@responses.activate
def test_a_page_that_is_not_a_list_of_records_is_a_typed_error(
    connection, make_client, fake_time, body, words
):
    responses.get(url(VENDORS), body=json.dumps(body) if body is not None else "")
    with pytest.raises(MalformedAnswer, match=words):
        list(pages(make_client(connection), VENDORS, {"company_id": COMPANY_ID}))
    assert len(responses.calls) == 5  # retried like any unreadable answer


@responses.activate
def test_a_record_with_a_wrong_field_type_is_passed_on_for_the_importer_to_judge(
    connection, make_client
):
    responses.get(url(VENDORS), json=[{"id": "not a number", "name": 12345}, {"id": 2}])
    got = list(resources.vendors(make_client(connection), company_id=COMPANY_ID))
    assert got == [{"id": "not a number", "name": 12345}, {"id": 2}]


@responses.activate
def test_a_total_header_that_is_not_a_number_is_ignored(connection, make_client):
    responses.get(url(VENDORS), json=[{"id": 1}], headers={"Total": "many"})
    assert [
        p.total for p in pages(make_client(connection), VENDORS, {"company_id": COMPANY_ID})
    ] == [None]


@responses.activate
def test_a_sync_answer_of_the_wrong_shape_is_retried_then_a_typed_error(connection, make_client):
    sync = f"{API}/rest/v1.0/vendors/sync"
    responses.patch(sync, json={"entities": "[object Array]", "errors": []})
    responses.patch(sync, json={"entities": [{"id": 9, "origin_id": "v-1"}], "errors": []})
    client = make_client(connection)
    result = resources.vendors_sync(client, company_id=COMPANY_ID, updates=[{"origin_id": "v-1"}])
    assert result.entities == [{"id": 9, "origin_id": "v-1"}]
    responses.patch(sync, json=[{"id": 9}])
    with pytest.raises(MalformedAnswer, match="not an object"):
        resources.vendors_sync(client, company_id=COMPANY_ID, updates=[{"origin_id": "v-1"}])


@responses.activate
def test_neither_the_body_nor_the_token_reaches_logs_or_errors(connection, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    answer, _ = MALFORMED["html_200"]
    responses.get(ME, status=200, **answer)
    responses.post(CREATE, status=200, **answer)
    client = make_client(connection)
    with pytest.raises(MalformedAnswer) as unreadable:
        client.get("/rest/v1.0/me")
    with pytest.raises(OutcomeUnknown) as unknown:
        client.post(CE_PATH, CE_BODY, CE_SCOPE)
    said = caplog.text + str(unreadable.value) + str(unknown.value)
    assert "could not be read" in caplog.text
    assert SECRET_IN_BODY not in said and ACCESS not in said


@responses.activate
def test_attachments_are_bytes_not_json(connection, make_client):
    link = "https://files.procore.test/abc/page.html"
    responses.get(link, body=b"<html>an attachment may be HTML</html>", content_type="text/html")
    assert make_client(connection).download(link) == b"<html>an attachment may be HTML</html>"
