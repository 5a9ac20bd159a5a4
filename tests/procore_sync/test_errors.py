"""Procore's messages reach the caller intact, whatever the body shape."""

import pytest
import responses

from apps.procore_sync.client.errors import ValidationError, procore_messages

from .conftest import API, CE_BODY, CE_PATH, CE_SCOPE


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"errors": "Title can't be blank"}, "Title can't be blank"),
        (
            {"errors": ["Cost code is invalid", "Status is locked"]},
            "Cost code is invalid; Status is locked",
        ),
        (
            {"errors": {"assignees": ["required"], "title": ["too long"]}},
            "assignees: required; title: too long",
        ),
        ({"message": "Origin has already been taken"}, "Origin has already been taken"),
        (
            {"error": "invalid_request", "error_description": "Bad date"},
            "invalid_request; Bad date",
        ),
        (
            {
                "error": {
                    "code": "BAD_REQUEST",
                    "message": "Invalid",
                    "details": [{"message": "date: bad"}],
                }
            },
            "Invalid; date: bad",
        ),
        ("Plain text failure", "Plain text failure"),
    ],
)
def test_procore_messages_reads_every_body_shape(body, said):
    assert procore_messages(body) == said


@responses.activate
def test_a_422_message_reaches_the_caller_intact(connection, make_client):
    message = "Change event status is locked because it was synced from ERP (ref #42)"
    responses.post(f"{API}/rest/v1.0/change_events", status=422, json={"errors": [message]})
    with pytest.raises(ValidationError) as caught:
        make_client(connection).post(CE_PATH, CE_BODY, CE_SCOPE)
    assert caught.value.detail == message
    assert message in caught.value.message
    assert caught.value.body == {"errors": [message]}
