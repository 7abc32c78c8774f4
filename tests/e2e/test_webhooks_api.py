"""The webhook endpoints API over HTTP: each route's happy path and its error paths, and
a change made through the API leaving its delivery behind, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from application.ports.unit_of_work import UnitOfWorkFactory
from application.workspaces import CreatedWorkspace
from domain.webhooks.delivery import AttemptResult
from domain.webhooks.schedule import RetrySchedule
from tests.e2e.conftest import Api

_LEASE = timedelta(seconds=30)
URL = "https://hooks.example.com/openpost"
FIELDS = {"id", "url", "events", "description", "enabled", "disabled_reason", "created_at",
          "updated_at"}  # fmt: skip
DELIVERY_FIELDS = {"id", "event_id", "event_type", "status", "attempts", "last_status_code",
                   "last_error", "next_attempt_at", "created_at", "delivered_at"}  # fmt: skip


async def create(api: Api, ws: CreatedWorkspace, **body: Any) -> Any:
    body.setdefault("url", URL)
    body.setdefault("events", ["*"])
    return await api.client.post("/v1/webhook_endpoints", json=body, headers=api.auth(ws))


async def test_an_endpoint_round_trips_and_its_secret_is_shown_once(api: Api) -> None:
    ws = await api.workspace()
    answer = await create(api, ws, events=["post.failed"], description="ops")
    assert answer.status_code == 201
    made = answer.json()
    assert set(made) == FIELDS | {"secret"} and made["secret"].startswith("whsec_")
    assert (made["enabled"], made["disabled_reason"], made["events"]) == (
        True, None, ["post.failed"],
    )  # fmt: skip
    path = f"/v1/webhook_endpoints/{made['id']}"
    got = (await api.client.get(path, headers=api.auth(ws))).json()
    assert got == {k: v for k, v in made.items() if k != "secret"}
    listed = (await api.client.get("/v1/webhook_endpoints", headers=api.auth(ws))).json()
    assert listed == {"data": [got], "has_more": False}
    api.clock.advance(60)
    changed = await api.client.patch(
        path, json={"events": ["*"], "description": None, "enabled": False}, headers=api.auth(ws)
    )
    assert changed.status_code == 200
    assert (changed.json()["events"], changed.json()["description"]) == (["*"], None)
    assert changed.json()["disabled_reason"] == "disabled_by_user"
    enabled = await api.client.patch(path, json={"enabled": True}, headers=api.auth(ws))
    assert (enabled.json()["enabled"], enabled.json()["disabled_reason"]) == (True, None)
    rotated = await api.client.post(f"{path}/rotate_secret", headers=api.auth(ws))
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != made["secret"]
    deleted = await api.client.delete(path, headers=api.auth(ws))
    assert deleted.status_code == 200 and deleted.json()["id"] == made["id"]
    assert (await api.client.get(path, headers=api.auth(ws))).status_code == 404


async def test_a_test_event_is_queued_and_its_delivery_listed_and_retried(api: Api) -> None:
    ws = await api.workspace()
    made = (await create(api, ws, events=["post.failed"])).json()
    path = f"/v1/webhook_endpoints/{made['id']}"
    queued = await api.client.post(f"{path}/test", headers=api.auth(ws))
    assert queued.status_code == 202 and queued.json()["event_id"].startswith("evt_")
    listed = (await api.client.get(f"{path}/deliveries", headers=api.auth(ws))).json()
    [delivery] = listed["data"]
    assert set(delivery) == DELIVERY_FIELDS
    assert (delivery["event_id"], delivery["event_type"], delivery["status"]) == (
        queued.json()["event_id"], "webhook.test", "pending",
    )  # fmt: skip
    assert delivery["next_attempt_at"] == delivery["created_at"] == "2026-04-17T10:30:15Z"
    retried = await api.client.post(
        f"{path}/deliveries/{delivery['id']}/retry", headers=api.auth(ws)
    )
    assert retried.status_code == 202 and retried.json()["status"] == "pending"
    await _succeed_everything(api)
    done = await api.client.get(f"{path}/deliveries?status=succeeded", headers=api.auth(ws))
    assert [d["id"] for d in done.json()["data"]] == [delivery["id"]]
    again = await api.client.post(f"{path}/deliveries/{delivery['id']}/retry", headers=api.auth(ws))
    assert again.status_code == 409
    assert again.json()["code"] == "delivery_already_succeeded"
    none = await api.client.get(f"{path}/deliveries?status=failed", headers=api.auth(ws))
    assert none.json() == {"data": [], "has_more": False}


async def test_a_disconnect_through_the_api_leaves_its_delivery(api: Api) -> None:
    ws = await api.workspace()
    made = (await create(api, ws, events=["integration.disconnected"])).json()
    integration = ws.integrations[0]
    gone = await api.client.delete(f"/v1/integrations/{integration.id}", headers=api.auth(ws))
    assert gone.status_code == 200
    await api.client.delete(f"/v1/integrations/{integration.id}", headers=api.auth(ws))
    path = f"/v1/webhook_endpoints/{made['id']}/deliveries"
    listed = (await api.client.get(path, headers=api.auth(ws))).json()["data"]
    assert [d["event_type"] for d in listed] == ["integration.disconnected"]


async def test_bad_input_is_a_clear_4xx(api: Api) -> None:
    ws, other = await api.workspace(), await api.workspace("other")
    cases = [
        ({"url": "http://hooks.example.com/"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"events": []}, "events"),
        ({"events": ["post.publish"]}, "events[0]"),
        ({"events": ["*", "post.failed"]}, "events"),
        ({"secret": "mine"}, "secret"),
    ]
    for body, field in cases:
        answer = await create(api, ws, **body)
        assert answer.status_code == 422, body
        assert (answer.json()["code"], answer.json()["details"]["field"]) == (
            "validation_error", field,
        ), body  # fmt: skip
    made = (await create(api, ws)).json()
    path = f"/v1/webhook_endpoints/{made['id']}"
    for foreign in (path, f"{path}/deliveries", "/v1/webhook_endpoints/not-a-uuid"):
        answer = await api.client.get(foreign, headers=api.auth(other))
        assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    bad_status = await api.client.get(f"{path}/deliveries?status=sent", headers=api.auth(ws))
    assert bad_status.status_code == 422
    bad_patch = await api.client.patch(path, json={"url": "ftp://x/"}, headers=api.auth(ws))
    assert bad_patch.json()["details"]["field"] == "url"
    await api.client.patch(path, json={"enabled": False}, headers=api.auth(ws))
    disabled = await api.client.post(f"{path}/test", headers=api.auth(ws))
    assert (disabled.status_code, disabled.json()["code"]) == (409, "webhook_endpoint_disabled")
    missing = await api.client.post(f"{path}/deliveries/{made['id']}/retry", headers=api.auth(ws))
    assert missing.status_code == 404


async def _succeed_everything(api: Api) -> None:
    """What a worker would record after a 2xx, without sending anything."""
    factory = await api.container.get(UnitOfWorkFactory)
    async with factory() as uow:
        claimed = await uow.delivery_queue.claim_due(api.clock.now(), _LEASE, 100, 4)
        for one in claimed:
            one.delivery.record(AttemptResult(200), api.clock.now(), RetrySchedule(), 0.5)
        await uow.webhook_deliveries.save_attempts(
            [(c.delivery, c.delivery.attempts) for c in claimed]
        )
        await uow.commit()


WEBHOOK_OPERATIONS = {
    ("post", "/v1/webhook_endpoints"): "createWebhookEndpoint",
    ("get", "/v1/webhook_endpoints"): "listWebhookEndpoints",
    ("get", "/v1/webhook_endpoints/{endpoint_id}"): "getWebhookEndpoint",
    ("patch", "/v1/webhook_endpoints/{endpoint_id}"): "updateWebhookEndpoint",
    ("delete", "/v1/webhook_endpoints/{endpoint_id}"): "deleteWebhookEndpoint",
    ("post", "/v1/webhook_endpoints/{endpoint_id}/rotate_secret"): "rotateWebhookEndpointSecret",
    ("post", "/v1/webhook_endpoints/{endpoint_id}/test"): "sendTestWebhook",
    ("get", "/v1/webhook_endpoints/{endpoint_id}/deliveries"): "listWebhookDeliveries",
    (
        "post",
        "/v1/webhook_endpoints/{endpoint_id}/deliveries/{delivery_id}/retry",
    ): "retryWebhookDelivery",
}


async def test_the_openapi_document_names_the_webhook_operations_and_objects(api: Api) -> None:
    document = (await api.client.get("/schema/openapi.json")).json()
    found = {
        (method, path): op.get("operationId")
        for path, item in document["paths"].items()
        if path.startswith("/v1/webhook_endpoints")
        for method, op in item.items()
        if isinstance(op, dict)
    }
    assert found == WEBHOOK_OPERATIONS
    schemas = document["components"]["schemas"]
    assert not [name for name in schemas if name.startswith("Webhook") and name.endswith("Out")]
    endpoint, delivery = schemas["WebhookEndpoint"], schemas["WebhookDelivery"]
    assert set(endpoint["required"]) == {
        "id", "url", "events", "description", "enabled", "disabled_reason", "created_at",
        "updated_at",
    }  # fmt: skip
    assert "secret" not in endpoint["properties"]
    assert "secret" in schemas["WebhookEndpointWithSecret"]["properties"]
    for name in ("created_at", "updated_at"):
        assert endpoint["properties"][name]["format"] == "date-time"
        assert endpoint["properties"][name]["examples"]
    for name in ("next_attempt_at", "created_at", "delivered_at"):
        assert "date-time" in json.dumps(delivery["properties"][name])
    assert endpoint["properties"]["url"]["examples"]
    assert delivery["properties"]["event_id"]["examples"]
    created = document["paths"]["/v1/webhook_endpoints"]["post"]
    answer = created["responses"]["201"]["content"]["application/json"]["schema"]
    assert answer["$ref"].endswith("/WebhookEndpointWithSecret")
