"""Hostile request bodies are refused with JSON before any other work: too deep is a 400,
too large a 413, on the API, the Procore webhook and the sandbox's token endpoint."""

import json

import pytest
from django.test import Client

from apps.accounts.models import Role
from apps.core.json_guard import JSON_MAX_DEPTH, json_too_deep
from apps.procore_sync.engine_models import WebhookDelivery

pytestmark = pytest.mark.django_db

DEEP = b"[" * 100_000 + b"]" * 100_000
HUGE = json.dumps({"description": "x" * 10 * 1024 * 1024}).encode()
WEBHOOK = "/procore/webhooks/some-token/"


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def post(client: Client, url: str, body: bytes, **extra):
    return client.post(url, body, content_type="application/json", **extra)


def assert_json(response, status: int, words: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert words in response.json()["detail"]


def test_a_deep_body_is_a_json_400_on_the_api(api_as):
    assert_json(post(api_as(Role.OWNER), "/api/v1/cors/", DEEP), 400, "nested deeper than 64")


def test_a_deep_body_is_refused_at_the_webhook_and_records_nothing(client):
    assert_json(post(client, WEBHOOK, DEEP), 400, "nested deeper")
    assert not WebhookDelivery.objects.exists()


def test_a_deep_body_is_a_json_400_at_the_sandbox_token_endpoint(client):
    assert_json(post(client, "/procore-sandbox/oauth/token", DEEP), 400, "nested deeper")


def test_a_10_mb_body_is_a_json_413_on_the_api(api_as):
    assert_json(post(api_as(Role.OWNER), "/api/v1/cors/", HUGE), 413, "larger than")


def test_a_10_mb_body_is_a_json_413_at_the_webhook(client):
    assert_json(post(client, WEBHOOK, HUGE), 413, "larger than")
    assert not WebhookDelivery.objects.exists()


def test_the_size_limit_follows_the_setting(api_as, settings):
    settings.API_MAX_BODY_BYTES = 100
    response = post(api_as(Role.OWNER), "/api/v1/cors/", json.dumps({"title": "x" * 100}))
    assert response.status_code == 413


def test_a_normal_body_still_reaches_the_api_and_the_webhook(api_as, client):
    response = post(api_as(Role.OWNER), "/api/v1/cors/", json.dumps({"title": "T"}))
    assert response.status_code == 400 and "project" in response.json()  # parsed and validated
    assert post(client, WEBHOOK, json.dumps({"id": 1})).status_code == 401  # unknown token


def test_the_api_parses_a_body_at_the_depth_limit_and_refuses_one_level_more(api_as):
    api = api_as(Role.OWNER)
    assert "project" in post(api, "/api/v1/cors/", nested(JSON_MAX_DEPTH)).json()
    assert_json(post(api, "/api/v1/cors/", nested(JSON_MAX_DEPTH + 1)), 400, "nested deeper")


def test_brackets_inside_strings_do_not_count():
    assert not json_too_deep(b'["[[[[", "{{{{", "\\"[[[["]', limit=2)
    assert json_too_deep(b'[[["x"]]]', limit=2)


def test_an_unclosed_or_wide_body_is_measured_by_its_nesting_alone():
    assert json_too_deep(b"[" * (JSON_MAX_DEPTH + 1))  # malformed, still refused as too deep
    assert not json_too_deep(b"[]" * 100_000)
