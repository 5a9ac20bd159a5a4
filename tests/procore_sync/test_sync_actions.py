"""Sync actions: 1,000 records per call; entities and per-record errors come back together."""

import json

import responses

from apps.procore_sync.client import resources

from .conftest import API


@responses.activate
def test_sync_chunks_by_1000_and_collects_entities_and_errors(connection, make_client):
    def sync(request):
        body = json.loads(request.body)
        assert body["company_id"] == 42
        entities = [u for u in body["updates"] if u["origin_id"] != "v-13"]
        errors = [
            {**u, "errors": {"name": ["can't be blank"]}}
            for u in body["updates"]
            if u["origin_id"] == "v-13"
        ]
        return 200, {}, json.dumps({"entities": entities, "errors": errors})

    responses.add_callback(responses.PATCH, f"{API}/rest/v1.0/vendors/sync", callback=sync)
    updates = ({"origin_id": f"v-{n}", "name": f"V{n}"} for n in range(2500))
    result = resources.vendors_sync(make_client(connection), company_id=42, updates=updates)
    sizes = [len(json.loads(c.request.body)["updates"]) for c in responses.calls]
    assert sizes == [1000, 1000, 500]
    assert len(result.entities) == 2499
    assert result.errors == [
        {"origin_id": "v-13", "name": "V13", "errors": {"name": ["can't be blank"]}}
    ]
