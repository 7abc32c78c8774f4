"""Next-slot keeps what it computes from (the integration, its queue, its busy times) while
the integration's slot revision holds, and its answer while a search would find the same
slot: the answer follows the clock, and every write that was acknowledged shows in the
next answer, whoever wrote it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from adapters.decorators.kept_slot_reads import KeptSlotReads
from application.ports.slot_reads import SlotReadsFactory
from entrypoints.composition import build_container
from entrypoints.http.app import create_app
from entrypoints.http.inject import CONTAINER
from tests.e2e.conftest import Api, ClockOverride, settings_for
from tests.support.asgi import client_for

QUEUE = {"timezone": "UTC", "slots": [{"days": ["fri"], "times": ["15:00", "18:00"]}]}


async def kept(api: Api) -> KeptSlotReads:
    reads = await api.app.litestar.state[CONTAINER].get(SlotReadsFactory)
    assert isinstance(reads, KeptSlotReads)
    return reads


async def _slot(api: Api, auth: dict[str, str], integration: Any) -> Any:
    answer = await api.client.get(f"/v1/integrations/{integration}/next-slot", headers=auth)
    return answer.json()["date"] if answer.status_code == 200 else answer.json()["code"]


async def _schedule(api: Api, auth: dict[str, str], integration: Any, at: str) -> str:
    body = {"content": "hello", "integrations": [str(integration)], "schedule_at": at}
    created = await api.client.post("/v1/posts", json=body, headers=auth)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_a_repeated_next_slot_reads_its_inputs_once(api: Api) -> None:
    ws = await api.workspace()
    auth, one = api.auth(ws), ws.integrations[0].id
    first = await api.client.get(f"/v1/integrations/{one}/next-slot", headers=auth)
    second = await api.client.get(f"/v1/integrations/{one}/next-slot", headers=auth)
    assert second.status_code == 200 and second.json() == first.json()
    assert len(await kept(api)) == 1


async def test_scheduling_cancelling_and_editing_show_at_once(api: Api) -> None:
    ws = await api.workspace()
    auth, one = api.auth(ws), ws.integrations[0].id
    assert await _slot(api, auth, one) == "2026-04-17T11:00:00Z"

    post = await _schedule(api, auth, one, "2026-04-17T11:00:00Z")
    assert await _slot(api, auth, one) == "2026-04-17T12:00:00Z"
    other = await _schedule(api, auth, one, "next_slot")
    assert await _slot(api, auth, one) == "2026-04-17T13:00:00Z"

    moved = await api.client.patch(
        f"/v1/posts/{post}", json={"schedule_at": "2026-04-18T09:00:00Z"}, headers=auth
    )
    assert moved.status_code == 200, moved.text
    assert await _slot(api, auth, one) == "2026-04-17T11:00:00Z"

    assert (await api.client.delete(f"/v1/posts/{other}", headers=auth)).status_code == 200
    assert await _slot(api, auth, one) == "2026-04-17T11:00:00Z"
    assert (await _schedule(api, auth, one, "next_slot")) != other
    assert await _slot(api, auth, one) == "2026-04-17T12:00:00Z"


async def test_a_queue_set_and_deleted_shows_at_once(api: Api) -> None:
    ws = await api.workspace()
    auth, one = api.auth(ws), ws.integrations[0].id
    base = f"/v1/integrations/{one}/queue"
    assert await _slot(api, auth, one) == "2026-04-17T11:00:00Z"
    assert (await api.client.put(base, json=QUEUE, headers=auth)).status_code == 200
    assert await _slot(api, auth, one) == "2026-04-17T15:00:00Z"
    later = {**QUEUE, "slots": [{"days": ["fri"], "times": ["18:00"]}]}
    assert (await api.client.put(base, json=later, headers=auth)).status_code == 200
    assert await _slot(api, auth, one) == "2026-04-17T18:00:00Z"
    assert (await api.client.delete(base, headers=auth)).status_code == 200
    assert await _slot(api, auth, one) == "2026-04-17T11:00:00Z"


async def test_a_disconnect_shows_at_once(api: Api) -> None:
    ws = await api.workspace()
    auth, one = api.auth(ws), ws.integrations[0].id
    assert await _slot(api, auth, one) == "2026-04-17T11:00:00Z"
    assert (await api.client.delete(f"/v1/integrations/{one}", headers=auth)).status_code == 200
    assert await _slot(api, auth, one) == "integration_disconnected"


async def test_the_answer_follows_the_clock_past_what_was_read_ahead(api: Api) -> None:
    """The busy times are read for a window a little wider than asked; a week's later
    windows read again, and their answers are what a fresh read gives."""
    ws = await api.workspace()
    auth, one = api.auth(ws), ws.integrations[0].id
    for hour in range(11, 16):
        await _schedule(api, auth, one, f"2026-04-24T{hour}:00:00Z")  # a week on, busy
    assert await _slot(api, auth, one) == "2026-04-17T11:00:00Z"
    for hours, expected in [(1, "12:00"), (2, "13:00"), (25, "04-18T12:00")]:
        api.clock.set(api.clock.now().replace(day=17, hour=10) + timedelta(hours=hours))
        assert (await _slot(api, auth, one)).endswith(expected + ":00Z")
    api.clock.set(api.clock.now().replace(day=24, hour=10, minute=30))
    assert await _slot(api, auth, one) == "2026-04-24T16:00:00Z"


async def test_a_kept_answer_lasts_until_a_minute_before_its_slot_and_no_longer(
    api: Api,
) -> None:
    """Found at 10:30:15, 11:00 stays the answer up to 10:59:00, when a search finds it
    too; a microsecond later it is too close and 12:00 is found. A clock set back to
    09:30 finds 10:00."""
    ws = await api.workspace()
    auth, one = api.auth(ws), ws.integrations[0].id
    assert await _slot(api, auth, one) == "2026-04-17T11:00:00Z"
    api.clock.set(api.clock.now().replace(minute=59, second=0))
    assert await _slot(api, auth, one) == "2026-04-17T11:00:00Z"
    api.clock.advance(timedelta(microseconds=1))
    assert await _slot(api, auth, one) == "2026-04-17T12:00:00Z"
    api.clock.set(api.clock.now().replace(hour=9, minute=30))
    assert await _slot(api, auth, one) == "2026-04-17T10:00:00Z"


async def test_each_workspace_sees_only_its_own(api: Api) -> None:
    mine, theirs = await api.workspace("mine"), await api.workspace("theirs")
    one = mine.integrations[0].id
    assert await _slot(api, api.auth(mine), one) == "2026-04-17T11:00:00Z"
    foreign = await api.client.get(f"/v1/integrations/{one}/next-slot", headers=api.auth(theirs))
    assert foreign.status_code == 404


async def test_a_write_by_another_process_shows_at_once(api: Api, database_url: str) -> None:
    ws = await api.workspace()
    auth, one = api.auth(ws), ws.integrations[0].id
    assert await _slot(api, auth, one) == "2026-04-17T11:00:00Z"

    settings = settings_for(database_url)
    other = build_container(settings, ClockOverride(api.clock))
    try:
        app = create_app(settings, other)
        async with client_for(app) as client:
            at = "2026-04-17T11:00:00Z"
            body = {"content": "hi", "integrations": [str(one)], "schedule_at": at}
            created = await client.post("/v1/posts", json=body, headers=auth)
            assert created.status_code == 201, created.text
    finally:
        await other.close()
    assert await _slot(api, auth, one) == "2026-04-17T12:00:00Z"

