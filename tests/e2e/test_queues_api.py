"""Queues over HTTP: set, read, preview, next-slot and next_slot posts by the queue, then
back to section 3's rule; every bad input a 422 naming its field.

The clock reads Friday 2026-04-17 10:30:15 UTC: 06:30 in New York (EDT, -04:00)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from tests.e2e.conftest import Api

QUEUE = {
    "timezone": "America/New_York",
    "slots": [{"days": ["mon", "tue", "wed", "thu", "fri"], "times": ["09:00", "12:30"]}],
    "blocked_dates": ["2026-12-25"],
    "min_gap_minutes": 60,
    "horizon_days": 7,
}


async def _put(api: Api, ws: Any, integration_id: object, body: Any) -> Any:
    url = f"/v1/integrations/{integration_id}/queue"
    return await api.client.put(url, json=body, headers=api.auth(ws))


async def test_a_queue_drives_next_slot_and_the_preview_until_deleted(api: Api) -> None:
    ws = await api.workspace()
    target = ws.integrations[0]
    base, auth = f"/v1/integrations/{target.id}", api.auth(ws)

    missing = await api.client.get(f"{base}/queue", headers=auth)
    assert missing.status_code == 404 and missing.json()["code"] == "queue_not_set"

    put = await _put(api, ws, target.id, QUEUE)
    assert put.status_code == 200
    expected = {"integration_id": str(target.id), **QUEUE, "updated_at": "2026-04-17T10:30:15Z"}
    assert put.json() == expected
    assert (await api.client.get(f"{base}/queue", headers=auth)).json() == expected

    slot = await api.client.get(f"{base}/next-slot", headers=auth)
    assert slot.json()["date"] == "2026-04-17T13:00:00Z"

    preview = await api.client.get(f"{base}/slots?count=3", headers=auth)
    assert preview.status_code == 200
    assert preview.json() == {
        "data": [
            {"date": "2026-04-17T13:00:00Z", "local_time": "2026-04-17T09:00:00-04:00"},
            {"date": "2026-04-17T16:30:00Z", "local_time": "2026-04-17T12:30:00-04:00"},
            {"date": "2026-04-20T13:00:00Z", "local_time": "2026-04-20T09:00:00-04:00"},
        ]
    }
    assert len((await api.client.get(f"{base}/slots", headers=auth)).json()["data"]) == 10

    post = await api.client.post(
        "/v1/posts",
        json={"content": "hello", "integrations": [str(target.id)], "schedule_at": "next_slot"},
        headers=auth,
    )
    assert post.status_code == 201 and post.json()["scheduled_at"] == "2026-04-17T13:00:00Z"
    after = await api.client.get(f"{base}/slots?count=1", headers=auth)
    assert after.json()["data"][0]["date"] == "2026-04-17T16:30:00Z"

    deleted = await api.client.delete(f"{base}/queue", headers=auth)
    assert deleted.status_code == 200 and deleted.json() == expected
    default = await api.client.get(f"{base}/next-slot", headers=auth)
    assert default.json()["date"] == "2026-04-17T11:00:00Z"
    again = await api.client.delete(f"{base}/queue", headers=auth)
    assert again.status_code == 404 and again.json()["code"] == "queue_not_set"


async def test_defaults_fill_what_is_left_out(api: Api) -> None:
    ws = await api.workspace()
    body = {"timezone": "UTC", "slots": [{"days": ["sun"], "times": ["00:00"]}]}
    answer = await _put(api, ws, ws.integrations[0].id, body)
    assert answer.status_code == 200
    assert answer.json()["blocked_dates"] == []
    assert (answer.json()["min_gap_minutes"], answer.json()["horizon_days"]) == (60, 7)


# 2 x 24 + 3 x 24 = 120 posting times a week, over the 100 allowed.
TOO_MANY = [
    {"days": ["mon", "tue"], "times": [f"{h:02d}:00" for h in range(24)]},
    {"days": ["wed", "thu", "fri"], "times": [f"{h:02d}:30" for h in range(24)]},
]


def _with(**changes: Any) -> dict[str, Any]:
    return {**QUEUE, **changes}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_with(timezone="America/Nowhere"), "timezone"),
        (_with(timezone="UTC+3"), "timezone"),
        (_with(timezone=3), "timezone"),
        (_with(slots=[{"days": ["mon"], "times": ["24:00"]}]), "slots[0].times[0]"),
        (_with(slots=[{"days": ["mon"], "times": ["9:7"]}]), "slots[0].times[0]"),
        (_with(slots=[{"days": ["mon"], "times": ["09:00", "09:00"]}]), "slots[0].times[1]"),
        (_with(slots=[{"days": ["funday"], "times": ["09:00"]}]), "slots[0].days[0]"),
        (_with(slots=[{"days": ["mon"], "times": ["09:00"], "x": 1}]), "slots[0].x"),
        (_with(slots=[]), "slots"),
        (_with(slots=TOO_MANY), "slots"),
        (_with(blocked_dates=["2026-02-30"]), "blocked_dates[0]"),
        (_with(blocked_dates=["25/12/2026"]), "blocked_dates[0]"),
        (_with(min_gap_minutes=1441), "min_gap_minutes"),
        (_with(min_gap_minutes=-1), "min_gap_minutes"),
        (_with(horizon_days=0), "horizon_days"),
        (_with(horizon_days=29), "horizon_days"),
        (_with(horizon_days=7.5), "horizon_days"),
        (_with(color="blue"), "color"),
        ({"slots": QUEUE["slots"]}, "timezone"),
    ],
)
async def test_bad_queues_are_422_naming_the_field(api: Api, body: Any, field: str) -> None:
    ws = await api.workspace()
    answer = await _put(api, ws, ws.integrations[0].id, body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "validation_error"
    assert answer.json()["details"]["field"] == field
    missing = await api.client.get(
        f"/v1/integrations/{ws.integrations[0].id}/queue", headers=api.auth(ws)
    )
    assert missing.status_code == 404  # nothing half-written


async def test_a_body_that_is_not_json_is_400(api: Api) -> None:
    ws = await api.workspace()
    answer = await api.client.put(
        f"/v1/integrations/{ws.integrations[0].id}/queue",
        content=b"{not json",
        headers={**api.auth(ws), "Content-Type": "application/json"},
    )
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_json"


@pytest.mark.parametrize("count", ["0", "51", "ten", "-1"])
async def test_a_count_out_of_range_is_422(api: Api, count: str) -> None:
    ws = await api.workspace()
    answer = await api.client.get(
        f"/v1/integrations/{ws.integrations[0].id}/slots?count={count}", headers=api.auth(ws)
    )
    assert answer.status_code == 422
    assert answer.json()["details"]["field"] == "count"


@pytest.mark.parametrize("method", ["put", "get", "delete", "slots"])
async def test_another_workspaces_integration_is_not_found(api: Api, method: str) -> None:
    mine, theirs = await api.workspace(), await api.workspace("other")
    for foreign in (theirs.integrations[0].id, uuid4(), "not-a-uuid"):
        base = f"/v1/integrations/{foreign}"
        if method == "put":
            answer = await _put(api, mine, foreign, QUEUE)
        elif method == "slots":
            answer = await api.client.get(f"{base}/slots", headers=api.auth(mine))
        else:
            answer = await api.client.request(method, f"{base}/queue", headers=api.auth(mine))
        assert answer.status_code == 404
        assert answer.json()["code"] == "not_found"


async def test_slots_of_a_disconnected_integration_are_409(api: Api) -> None:
    ws = await api.workspace()
    target = ws.integrations[0]
    await api.client.delete(f"/v1/integrations/{target.id}", headers=api.auth(ws))
    answer = await api.client.get(f"/v1/integrations/{target.id}/slots", headers=api.auth(ws))
    assert answer.status_code == 409 and answer.json()["code"] == "integration_disconnected"


async def test_next_slot_posts_on_several_queues_never_come_closer_than_the_gap(
    api: Api,
) -> None:
    ws = await api.workspace()
    first, second = (str(i.id) for i in ws.integrations[:2])
    every_20 = [f"{h:02d}:{m:02d}" for h in range(8, 20) for m in (0, 20, 40)]
    for integration, zone in ((first, "Europe/London"), (second, "Europe/Lisbon")):
        body = {"timezone": zone, "slots": [{"days": ["fri"], "times": every_20}],
                "min_gap_minutes": 40, "horizon_days": 1}  # fmt: skip
        assert (await _put(api, ws, integration, body)).status_code == 200

    async def reserve(n: int) -> Any:
        targets = [first, second] if n % 2 else [first]
        body = {"content": f"post {n}", "integrations": targets, "schedule_at": "next_slot"}
        return await api.client.post("/v1/posts", json=body, headers=api.auth(ws))

    answers = await asyncio.gather(*(reserve(n) for n in range(6)))
    assert [a.status_code for a in answers] == [201] * 6
    times = sorted(
        datetime.fromisoformat(a.json()["scheduled_at"].replace("Z", "+00:00")) for a in answers
    )
    assert all(b - a >= timedelta(minutes=40) for a, b in itertools.pairwise(times))


async def test_queues_that_never_meet_leave_no_slot(api: Api) -> None:
    ws = await api.workspace()
    first, second = (str(i.id) for i in ws.integrations[:2])
    for integration, at in ((first, "09:00"), (second, "09:30")):
        body = {"timezone": "UTC", "slots": [{"days": ["fri"], "times": [at]}]}
        await _put(api, ws, integration, body)
    answer = await api.client.post(
        "/v1/posts",
        json={"content": "x", "integrations": [first, second], "schedule_at": "next_slot"},
        headers=api.auth(ws),
    )
    assert answer.status_code == 409 and answer.json()["code"] == "no_slot_available"


async def test_the_openapi_document_names_the_operations_and_the_queue(api: Api) -> None:
    document = (await api.client.get("/schema/openapi.json")).json()
    operations = {
        op["operationId"]
        for path in document["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {"setQueue", "getQueue", "deleteQueue", "listSlots"} <= operations
    assert "Queue" in document["components"]["schemas"]
