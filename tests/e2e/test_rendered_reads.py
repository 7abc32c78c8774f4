"""Listings and single integrations are answered from bytes rendered once per revision of
the workspace's integrations: never stale, whoever wrote, and private to the workspace."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.sqlalchemy.migrate import upgrade
from application.ports.unit_of_work import UnitOfWork
from domain.integration import StatusReason
from entrypoints.composition import build_container
from entrypoints.http.app import create_app
from entrypoints.http.inject import CONTAINER
from entrypoints.http.rendered import RenderedAnswers
from tests.e2e.conftest import START, Api, settings_for
from tests.support.asgi import client_for


async def kept(api: Api) -> RenderedAnswers:
    answers: RenderedAnswers = await api.app.litestar.state[CONTAINER].get(RenderedAnswers)
    return answers


async def test_a_repeated_listing_is_the_same_bytes_rendered_once(api: Api) -> None:
    h = api.auth(await api.workspace())
    first = await api.client.get("/v1/integrations", headers=h)
    assert len(await kept(api)) == 1
    second = await api.client.get("/v1/integrations", headers=h)
    assert second.content == first.content and second.status_code == 200
    assert second.headers["content-type"] == "application/json"
    assert second.headers["content-length"] == str(len(second.content))
    assert len(await kept(api)) == 1  # answered from what was kept, nothing rendered again


async def test_a_write_by_another_process_shows_at_once(api: Api, database_url: str) -> None:
    ws = await api.workspace()
    h = api.auth(ws)
    listed = (await api.client.get("/v1/integrations", headers=h)).json()
    one = listed["data"][0]["id"]
    assert (await api.client.get(f"/v1/integrations/{one}", headers=h)).json()["status"] == "active"

    # The publisher of another process finds the account's token revoked.
    other = build_container(settings_for(database_url))
    try:
        async with other() as scope:
            uow = await scope.get(UnitOfWork)
            async with uow:
                integration = await uow.integrations.get(ws.workspace.id, UUID(one))
                assert integration is not None
                integration.credentials_rejected(StatusReason.TOKEN_REVOKED, START)
                await uow.integrations.save(integration)
                await uow.commit()
    finally:
        await other.close()

    again = (await api.client.get("/v1/integrations", headers=h)).json()
    changed = next(i for i in again["data"] if i["id"] == one)
    assert (changed["status"], changed["status_reason"]) == ("needs_refresh", "token_revoked")
    single = (await api.client.get(f"/v1/integrations/{one}", headers=h)).json()
    assert single == changed


async def test_a_disconnect_through_the_api_shows_at_once(api: Api) -> None:
    h = api.auth(await api.workspace())
    listed = (await api.client.get("/v1/integrations", headers=h)).json()
    one = listed["data"][0]["id"]
    assert (await api.client.delete(f"/v1/integrations/{one}", headers=h)).status_code == 200
    after = (await api.client.get("/v1/integrations", headers=h)).json()
    assert one not in {i["id"] for i in after["data"]}
    assert len(after["data"]) == len(listed["data"]) - 1
    single = (await api.client.get(f"/v1/integrations/{one}", headers=h)).json()
    assert single["status"] == "disconnected"


async def test_each_workspace_gets_its_own_rendering(api: Api) -> None:
    mine, theirs = await api.workspace("mine"), await api.workspace("theirs")
    a = (await api.client.get("/v1/integrations", headers=api.auth(mine))).json()
    b = (await api.client.get("/v1/integrations", headers=api.auth(theirs))).json()
    assert {i["id"] for i in a["data"]}.isdisjoint({i["id"] for i in b["data"]})
    one = a["data"][0]["id"]
    foreign = await api.client.get(f"/v1/integrations/{one}", headers=api.auth(theirs))
    assert foreign.status_code == 404


async def test_each_query_gets_its_own_rendering(api: Api) -> None:
    h = api.auth(await api.workspace())
    pages: dict[str, Any] = {}
    for query in ("", "?limit=1", "?status=active", "?status=disconnected"):
        pages[query] = (await api.client.get(f"/v1/integrations{query}", headers=h)).json()
    assert len(pages["?limit=1"]["data"]) == 1 and pages["?limit=1"]["has_more"] is True
    assert pages["?status=disconnected"]["data"] == []
    assert pages[""]["data"] == pages["?status=active"]["data"]
    assert len(pages[""]["data"]) > 1


async def test_with_the_cache_off_nothing_is_kept_and_answers_stay_right(sqlite_url: str) -> None:
    settings = settings_for(sqlite_url, OPENPOST_READ_CACHE_MB="0")
    assert settings.read_cache_bytes == 0
    container = build_container(settings)
    try:
        await upgrade(await container.get(AsyncEngine))
        app = create_app(settings, container)
        async with client_for(app) as client:
            api = Api(client=client, container=container, clock=None, app=app)  # type: ignore[arg-type]
            h = api.auth(await api.workspace())
            first = await client.get("/v1/integrations", headers=h)
            one = first.json()["data"][0]["id"]
            assert (await client.delete(f"/v1/integrations/{one}", headers=h)).status_code == 200
            after = (await client.get("/v1/integrations", headers=h)).json()
            assert one not in {i["id"] for i in after["data"]}
            assert len(await kept(api)) == 0
    finally:
        await container.close()
