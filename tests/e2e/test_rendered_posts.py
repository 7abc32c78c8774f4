"""The posts listing is answered from pages rendered once per revision of the workspace's
posts: never stale after a write, whoever wrote (the API, the publisher of another
process), and private to the workspace."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from application.ports.unit_of_work import UnitOfWork
from entrypoints.composition import build_container
from entrypoints.http.inject import CONTAINER
from entrypoints.http.rendered import RenderedPosts
from tests.e2e.conftest import START, Api, settings_for
from tests.e2e.test_posts_api import create


async def kept(api: Api) -> RenderedPosts:
    answers: RenderedPosts = await api.app.litestar.state[CONTAINER].get(RenderedPosts)
    return answers


async def listing(api: Api, headers: dict[str, str], query: str = "") -> Any:
    answer = await api.client.get("/v1/posts" + query, headers=headers)
    assert answer.status_code == 200
    return answer.json()


async def test_a_repeated_listing_is_the_same_bytes_rendered_once(api: Api) -> None:
    ws = await api.workspace()
    h = api.auth(ws)
    assert (await create(api, ws)).status_code == 201
    first = await api.client.get("/v1/posts", headers=h)
    assert len(await kept(api)) == 1
    second = await api.client.get("/v1/posts", headers=h)
    assert second.content == first.content and second.status_code == 200
    assert second.headers["content-type"] == "application/json"
    assert len(await kept(api)) == 1  # answered from what was kept, nothing rendered again


async def test_writes_through_the_api_show_at_once(api: Api) -> None:
    ws = await api.workspace()
    h = api.auth(ws)
    assert await listing(api, h) == {"data": [], "has_more": False}
    at = (START + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    made = [(await create(api, ws, schedule_at=at, content=f"post {n}")).json() for n in range(3)]
    listed = await listing(api, h, "?limit=2")
    assert [p["id"] for p in listed["data"]] == [made[2]["id"], made[1]["id"]]
    assert listed["has_more"] is True
    rest = await listing(api, h, f"?limit=2&starting_after={made[1]['id']}")
    assert [p["id"] for p in rest["data"]] == [made[0]["id"]]
    canceled = await api.client.delete(f"/v1/posts/{made[1]['id']}", headers=h)
    assert canceled.status_code == 200
    after = await listing(api, h, "?limit=2")
    assert [p["status"] for p in after["data"]] == ["scheduled", "canceled"]
    assert [p["id"] for p in (await listing(api, h, "?status=canceled"))["data"]] == [made[1]["id"]]
    edited = await api.client.patch(
        f"/v1/posts/{made[0]['id']}", json={"content": "new"}, headers=h
    )
    assert edited.status_code == 200
    rest = await listing(api, h, f"?limit=2&starting_after={made[1]['id']}")
    assert [p["content"] for p in rest["data"]] == ["new"]


async def test_a_claim_by_another_process_shows_at_once(api: Api, database_url: str) -> None:
    ws = await api.workspace()
    h = api.auth(ws)
    at = START + timedelta(hours=2)
    made = (await create(api, ws, schedule_at=at.strftime("%Y-%m-%dT%H:%M:%SZ"))).json()
    assert [p["status"] for p in (await listing(api, h))["data"]] == ["scheduled"]
    assert (await listing(api, h, "?status=publishing"))["data"] == []

    # The publisher of another process claims the post's targets.
    other = build_container(settings_for(database_url))
    try:
        async with other() as scope:
            uow = await scope.get(UnitOfWork)
            async with uow:
                claimed = await uow.publish_queue.claim_due(at, timedelta(minutes=2), 10)
                await uow.commit()
    finally:
        await other.close()
    assert {c.post_id for c in claimed} == {UUID(made["id"])}

    listed = await listing(api, h)
    assert [p["status"] for p in listed["data"]] == ["publishing"]
    assert {t["status"] for t in listed["data"][0]["post_targets"]} == {"publishing"}
    assert [p["id"] for p in (await listing(api, h, "?status=publishing"))["data"]] == [made["id"]]


async def test_each_workspace_gets_its_own_page(api: Api) -> None:
    mine, theirs = await api.workspace("mine"), await api.workspace("theirs")
    made = (await create(api, mine)).json()
    assert [p["id"] for p in (await listing(api, api.auth(mine)))["data"]] == [made["id"]]
    assert (await listing(api, api.auth(theirs)))["data"] == []
