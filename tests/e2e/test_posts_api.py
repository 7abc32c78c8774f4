"""The Posts API over HTTP: each endpoint's happy path, its error paths, idempotency keys,
and a publish through the worker, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from application.idempotency import IdempotencyGuard
from application.workspaces import CreatedWorkspace
from entrypoints.http.idempotency import _fingerprint
from entrypoints.settings import load_settings
from entrypoints.worker import build_publisher, run_worker
from tests.e2e.conftest import Api

POST_FIELDS = {
    "id", "status", "post_type", "content", "scheduled_at", "published_at", "tags",
    "post_targets", "media", "created_at", "updated_at",
}  # fmt: skip
TARGET_FIELDS = {
    "integration_id", "platform", "status", "platform_post_id", "platform_post_url", "error",
    "attempts", "media", "parts",
}  # fmt: skip


def ids(ws: CreatedWorkspace) -> list[str]:
    return [str(i.id) for i in ws.integrations]


async def create(api: Api, ws: CreatedWorkspace, headers: dict[str, str] | None = None, **body):
    body.setdefault("content", "hello")
    body.setdefault("integrations", ids(ws))
    return await api.client.post(
        "/v1/posts", json=body, headers={**api.auth(ws), **(headers or {})}
    )


async def test_a_draft_round_trips(api: Api) -> None:
    ws = await api.workspace()
    answer = await create(api, ws, tags=["launch"])
    assert answer.status_code == 201
    post = answer.json()
    assert set(post) == POST_FIELDS
    assert (post["status"], post["scheduled_at"], post["published_at"]) == ("draft", None, None)
    assert post["created_at"] == post["updated_at"] == "2026-04-17T10:30:15Z"
    assert post["tags"] == ["launch"]
    assert [t["integration_id"] for t in post["post_targets"]] == ids(ws)
    assert all(set(t) == TARGET_FIELDS for t in post["post_targets"])
    assert {(t["status"], t["attempts"], t["error"]) for t in post["post_targets"]} == {
        ("pending", 0, None)
    }
    got = await api.client.get(f"/v1/posts/{post['id']}", headers=api.auth(ws))
    assert got.status_code == 200 and got.json() == post
    listed = (await api.client.get("/v1/posts", headers=api.auth(ws))).json()
    assert listed == {"data": [post], "has_more": False}


async def test_times_are_converted_to_utc_and_truncated(api: Api) -> None:
    ws = await api.workspace()
    answer = await create(api, ws, schedule_at="2026-04-17T15:00:00.987654+02:00")
    assert answer.status_code == 201
    assert answer.json()["scheduled_at"] == "2026-04-17T13:00:00Z"
    assert answer.json()["status"] == "scheduled"


@pytest.mark.parametrize(
    "value",
    [
        "2026-04-17T13:00:00",
        "2026-04-17",
        "tomorrow",
        "2026-02-30T13:00:00Z",
        "2026-04-17T10:30:30Z",
        "2026-12-31T10:00:00Z",
        "NEXT_SLOT",
    ],
)
async def test_bad_times_are_422_and_store_nothing(api: Api, value: str) -> None:
    ws = await api.workspace()
    answer = await create(api, ws, schedule_at=value)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "validation_error"
    assert answer.json()["details"]["field"] == "schedule_at"
    assert (await api.client.get("/v1/posts", headers=api.auth(ws))).json()["data"] == []


async def test_next_slot_reserves_an_hour_on_every_integration(api: Api) -> None:
    ws = await api.workspace()
    first = (await create(api, ws, schedule_at="next_slot")).json()
    second = (await create(api, ws, schedule_at="next_slot")).json()
    assert first["scheduled_at"] == "2026-04-17T11:00:00Z"
    assert second["scheduled_at"] == "2026-04-17T12:00:00Z"
    slot = await api.client.get(f"/v1/integrations/{ids(ws)[0]}/next-slot", headers=api.auth(ws))
    assert slot.json()["date"] == "2026-04-17T13:00:00Z"


async def test_integration_errors_name_the_offending_index(api: Api) -> None:
    ws, other = await api.workspace(), await api.workspace("other")
    for bad in (str(uuid4()), "nope", ids(other)[0]):
        answer = await create(api, ws, integrations=[ids(ws)[0], bad])
        assert answer.status_code == 422
        assert answer.json()["code"] == "integration_not_found"
        assert answer.json()["details"]["field"] == "integrations[1]"
    await api.client.delete(f"/v1/integrations/{ids(ws)[1]}", headers=api.auth(ws))
    gone = await create(api, ws)
    assert gone.status_code == 409 and gone.json()["code"] == "integration_disconnected"
    assert gone.json()["details"]["field"] == "integrations[1]"
    for empty in ([], [ids(ws)[0], ids(ws)[0]]):
        assert (await create(api, ws, integrations=empty)).json()["code"] == "validation_error"


async def test_content_is_checked_per_platform(api: Api) -> None:
    ws = await api.workspace()
    long = await create(api, ws, content="a" * 290)
    assert long.status_code == 422 and long.json()["code"] == "content_too_long"
    assert long.json()["details"]["field"] == "content"
    fixed = await create(
        api, ws, content="a" * 290, platform_overrides={"twitter": {"content": "short"}}
    )
    assert fixed.status_code == 201
    assert [t["platform"] for t in fixed.json()["post_targets"]] == ["twitter", "bluesky"]
    empty = await create(api, ws, content="  ")
    assert empty.status_code == 422 and empty.json()["details"]["field"] == "content"
    for body, field in (({"content": "a\x00b"}, "content"), ({"tags": ["a\x00"]}, "tags[0]")):
        nul = await create(api, ws, **body)
        assert nul.status_code == 422 and nul.json()["details"]["field"] == field


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content": "x", "integrations": [], "colour": "red"}, "colour"),
        ({"integrations": [], "thread_parts": "x"}, "thread_parts"),
        ({"content": 5, "integrations": []}, "content"),
        ({"content": "x", "integrations": [], "platform_overrides": {"myspace": {}}}, "myspace"),
        ({"content": "x", "integrations": [], "tags": [""]}, "tags[0]"),
    ],
)
async def test_malformed_bodies_are_422_naming_the_field(api: Api, body: Any, field: str) -> None:
    ws = await api.workspace()
    answer = await api.client.post("/v1/posts", json=body, headers=api.auth(ws))
    assert answer.status_code == 422
    assert answer.json()["code"] == "validation_error"
    assert field in answer.json()["details"]["field"]


async def test_a_body_that_is_not_json_is_400(api: Api) -> None:
    ws = await api.workspace()
    headers = {**api.auth(ws), "Content-Type": "application/json"}
    answer = await api.client.post("/v1/posts", content=b"{not json", headers=headers)
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_json"


async def test_patch_edits_while_scheduled(api: Api) -> None:
    ws = await api.workspace()
    post = (await create(api, ws, schedule_at="2026-04-18T09:00:00Z")).json()
    api.clock.advance(60)
    url, h = f"/v1/posts/{post['id']}", api.auth(ws)
    edited = await api.client.patch(url, json={"content": "new", "tags": ["a"]}, headers=h)
    assert edited.status_code == 200
    body = edited.json()
    assert (body["content"], body["tags"], body["scheduled_at"]) == (
        "new", ["a"], "2026-04-18T09:00:00Z",
    )  # fmt: skip
    assert body["updated_at"] == "2026-04-17T10:31:15Z"
    moved = await api.client.patch(url, json={"schedule_at": "next_slot"}, headers=h)
    assert moved.json()["scheduled_at"] == "2026-04-17T11:00:00Z"
    draft = await api.client.patch(url, json={"schedule_at": None}, headers=h)
    assert draft.json()["status"] == "draft"
    for bad, field in (({"integrations": []}, "integrations"), ({"content": None}, "content")):
        refused = await api.client.patch(url, json=bad, headers=h)
        assert refused.status_code == 422 and field in refused.json()["details"]["field"]
    too_long = await api.client.patch(url, json={"content": "x" * 281, "tags": ["z"]}, headers=h)
    assert too_long.status_code == 422
    assert (await api.client.get(url, headers=h)).json() == draft.json()


async def test_cancel_then_nothing_more(api: Api) -> None:
    ws = await api.workspace()
    post = (await create(api, ws, schedule_at="next_slot")).json()
    url, h = f"/v1/posts/{post['id']}", api.auth(ws)
    canceled = await api.client.delete(url, headers=h)
    assert canceled.status_code == 200 and canceled.json()["status"] == "canceled"
    assert {t["status"] for t in canceled.json()["post_targets"]} == {"canceled"}
    again = await api.client.delete(url, headers=h)
    assert again.status_code == 409 and again.json()["code"] == "post_not_cancelable"
    edit = await api.client.patch(url, json={"content": "x"}, headers=h)
    assert edit.status_code == 409 and edit.json()["code"] == "post_not_editable"
    slot = await create(api, ws, schedule_at="next_slot")
    assert slot.json()["scheduled_at"] == "2026-04-17T11:00:00Z", "canceled posts free a slot"


async def test_posts_of_another_workspace_are_404(api: Api) -> None:
    ws, other = await api.workspace(), await api.workspace("other")
    post = (await create(api, ws)).json()
    for method in ("GET", "PATCH", "DELETE"):
        kwargs = {"json": {"content": "x"}} if method == "PATCH" else {}
        for post_id in (post["id"], "not-a-uuid"):
            answer = await api.client.request(
                method, f"/v1/posts/{post_id}", headers=api.auth(other), **kwargs
            )
            assert answer.status_code == 404 and answer.json()["code"] == "not_found"


async def test_lists_filter_and_page(api: Api) -> None:
    ws = await api.workspace()
    h = api.auth(ws)
    twitter, bluesky = ids(ws)
    made = []
    for target in [twitter, bluesky, twitter]:
        made.append((await create(api, ws, integrations=[target], schedule_at="next_slot")).json())
        api.clock.advance(1)
    await api.client.delete(f"/v1/posts/{made[0]['id']}", headers=h)

    async def listed(query: str) -> tuple[list[str], bool]:
        body = (await api.client.get(f"/v1/posts?{query}", headers=h)).json()
        return [p["id"] for p in body["data"]], body["has_more"]

    newest = [p["id"] for p in reversed(made)]
    assert await listed("") == (newest, False)
    assert await listed("limit=1") == (newest[:1], True)
    assert await listed(f"limit=1&starting_after={newest[0]}") == (newest[1:2], True)
    assert await listed("status=canceled") == ([made[0]["id"]], False)
    assert await listed("status=scheduled") == (newest[:2], False)
    assert await listed(f"integration_id={bluesky}") == ([made[1]["id"]], False)
    for query, field in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("status=paused", "status"),
        ("integration_id=nope", "integration_id"),
        (f"starting_after={uuid4()}", "starting_after"),
    ]:
        answer = await api.client.get(f"/v1/posts?{query}", headers=h)
        assert answer.status_code == 422, query
        assert answer.json()["details"]["field"] == field


async def test_idempotency_keys_replay_refuse_and_expire(api: Api) -> None:
    ws = await api.workspace()
    key = {"Idempotency-Key": "order-42"}
    first = await create(api, ws, headers=key, schedule_at="next_slot")
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    body = {"schedule_at": "next_slot", "integrations": ids(ws), "content": "hello"}
    again = await api.client.post("/v1/posts", json=body, headers={**api.auth(ws), **key})
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["request-id"] != first.headers["request-id"]
    assert len((await api.client.get("/v1/posts", headers=api.auth(ws))).json()["data"]) == 1
    other = await create(api, ws, headers=key, content="different")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    api.clock.advance(timedelta(hours=24, seconds=1))
    later = await create(api, ws, headers=key, content="different")
    assert later.status_code == 201 and "idempotent-replayed" not in later.headers


async def test_refusals_are_replayed_too_and_keys_are_per_workspace(api: Api) -> None:
    ws, other = await api.workspace(), await api.workspace("other")
    key = {"Idempotency-Key": "k"}
    refused = await create(api, ws, headers=key, content="")
    replayed = await create(api, ws, headers=key, content="")
    assert refused.status_code == replayed.status_code == 422
    assert replayed.json() == refused.json() and replayed.headers["idempotent-replayed"] == "true"
    assert (await create(api, other, headers=key)).status_code == 201


@pytest.mark.parametrize("key", ["", "k" * 256])
async def test_idempotency_keys_are_1_to_255_characters(api: Api, key: str) -> None:
    ws = await api.workspace()
    answer = await create(api, ws, headers={"Idempotency-Key": key})
    assert answer.status_code == 422
    assert answer.json()["details"]["field"] == "Idempotency-Key"


async def test_a_key_still_in_flight_is_409(api: Api) -> None:
    ws = await api.workspace()
    guard = await api.container.get(IdempotencyGuard)
    body = {"content": "hello", "integrations": ids(ws)}
    scope = {"method": "POST", "path": "/v1/posts", "query_string": b""}
    fingerprint = _fingerprint(scope, json.dumps(body).encode())
    await guard.begin(ws.workspace.id, "busy", fingerprint)  # as if a request were running
    same = await create(api, ws, headers={"Idempotency-Key": "busy"})
    assert same.status_code == 409 and same.json()["code"] == "idempotency_key_in_use"
    await guard.abandon(ws.workspace.id, "busy")
    assert (await create(api, ws, headers={"Idempotency-Key": "busy"})).status_code == 201


async def test_a_test_workspace_post_is_published_by_the_worker(api: Api) -> None:
    ws = await api.workspace()
    post = (await create(api, ws, schedule_at="next_slot")).json()
    settings = load_settings({"OPENPOST_WORKER_CONCURRENCY": "4"}, dotenv=None)
    publisher = await build_publisher(api.container, settings)
    assert await publisher.run_once() == 0
    api.clock.set(api.clock.now().replace(hour=11, minute=0, second=0))
    assert await publisher.run_once() == 2
    await publisher.drain()
    done = (await api.client.get(f"/v1/posts/{post['id']}", headers=api.auth(ws))).json()
    assert done["status"] == "published" and done["published_at"] == "2026-04-17T11:00:00Z"
    assert all(t["platform_post_url"].startswith("https://") for t in done["post_targets"])
    assert {t["attempts"] for t in done["post_targets"]} == {1}
    listed = (await api.client.get("/v1/posts?status=published", headers=api.auth(ws))).json()
    assert [p["id"] for p in listed["data"]] == [post["id"]]


async def test_run_worker_stops_when_told(api: Api) -> None:
    ws = await api.workspace()
    post = (await create(api, ws, schedule_at="next_slot")).json()
    api.clock.set(api.clock.now().replace(hour=11, minute=0, second=0))
    stop = asyncio.Event()
    settings = load_settings({}, dotenv=None)
    worker = asyncio.create_task(run_worker(api.container, settings, stop, poll_interval_s=0.05))
    url = f"/v1/posts/{post['id']}"
    for _ in range(100):
        if (await api.client.get(url, headers=api.auth(ws))).json()["status"] == "published":
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(worker, 5)
    assert (await api.client.get(url, headers=api.auth(ws))).json()["status"] == "published"


async def test_the_openapi_document_describes_posts(api: Api) -> None:
    schema = (await api.client.get("/schema/openapi.json")).json()
    posts = schema["paths"]["/v1/posts"]
    assert {"201", "401", "409", "422"} <= set(posts["post"]["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in posts["post"]["parameters"])
    one = schema["paths"]["/v1/posts/{post_id}"]
    assert {"get", "patch", "delete"} <= set(one)
    assert "409" in one["delete"]["responses"]
