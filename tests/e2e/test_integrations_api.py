"""The Integrations API over HTTP: one happy path per endpoint, and its error paths."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from domain.workspace import WorkspaceMode
from tests.e2e.conftest import Api


async def test_lists_the_workspace_integrations_newest_first(api: Api) -> None:
    ws = await api.workspace()
    answer = await api.client.get("/v1/integrations", headers=api.auth(ws))
    assert answer.status_code == 200
    body = answer.json()
    assert body["has_more"] is False
    assert {i["platform"] for i in body["data"]} == {"twitter", "bluesky"}
    first = body["data"][0]
    assert set(first) >= {
        "id",
        "platform",
        "username",
        "display_name",
        "status",
        "status_reason",
        "avatar_url",
        "platform_user_id",
        "connected_at",
        "updated_at",
        "warnings",
    }
    assert first["connected_at"] == "2026-04-17T10:30:15Z"
    assert first["status"] == "active" and first["warnings"] == []
    ordered = sorted(body["data"], key=lambda i: (i["connected_at"], i["id"]), reverse=True)
    assert body["data"] == ordered


async def test_limit_and_cursor_page_through(api: Api) -> None:
    ws = await api.workspace()
    h = api.auth(ws)
    first = (await api.client.get("/v1/integrations?limit=1", headers=h)).json()
    assert len(first["data"]) == 1 and first["has_more"] is True
    after = first["data"][0]["id"]
    second = (
        await api.client.get(f"/v1/integrations?limit=1&starting_after={after}", headers=h)
    ).json()
    assert len(second["data"]) == 1 and second["has_more"] is False
    assert second["data"][0]["id"] != after


async def test_bad_list_parameters_are_422_never_clamped(api: Api) -> None:
    h = api.auth(await api.workspace())
    for query, field in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=x", "limit"),
        ("status=paused", "status"),
        (f"starting_after={uuid4()}", "starting_after"),
    ]:
        answer = await api.client.get(f"/v1/integrations?{query}", headers=h)
        assert answer.status_code == 422, query
        assert answer.json()["code"] == "validation_error"
        assert answer.json()["details"]["field"] == field


async def test_get_disconnect_and_status_filter(api: Api) -> None:
    ws = await api.workspace()
    h = api.auth(ws)
    target = ws.integrations[0]
    got = await api.client.get(f"/v1/integrations/{target.id}", headers=h)
    assert got.status_code == 200 and got.json()["id"] == str(target.id)

    api.clock.advance(timedelta(minutes=5))
    gone = await api.client.delete(f"/v1/integrations/{target.id}", headers=h)
    assert gone.status_code == 200
    assert gone.json()["status"] == "disconnected"
    assert gone.json()["status_reason"] == "disconnected_by_user"
    assert gone.json()["updated_at"] == "2026-04-17T10:35:15Z"

    api.clock.advance(timedelta(minutes=5))
    again = await api.client.delete(f"/v1/integrations/{target.id}", headers=h)
    assert again.status_code == 200 and again.json() == gone.json()

    listed = (await api.client.get("/v1/integrations", headers=h)).json()["data"]
    assert str(target.id) not in {i["id"] for i in listed}
    only = (await api.client.get("/v1/integrations?status=disconnected", headers=h)).json()["data"]
    assert [i["id"] for i in only] == [str(target.id)]
    still = await api.client.get(f"/v1/integrations/{target.id}", headers=h)
    assert still.json()["status"] == "disconnected"


async def test_next_slot_is_the_first_top_of_the_hour_a_minute_ahead(api: Api) -> None:
    ws = await api.workspace()
    target = ws.integrations[0]
    answer = await api.client.get(f"/v1/integrations/{target.id}/next-slot", headers=api.auth(ws))
    assert answer.status_code == 200
    assert answer.json() == {
        "date": "2026-04-17T11:00:00Z",
        "platform": target.platform.value,
        "integration_id": str(target.id),
    }
    api.clock.set(api.clock.now().replace(minute=59, second=30))
    later = await api.client.get(f"/v1/integrations/{target.id}/next-slot", headers=api.auth(ws))
    assert later.json()["date"] == "2026-04-17T12:00:00Z"


async def test_next_slot_of_a_disconnected_integration_is_409(api: Api) -> None:
    ws = await api.workspace()
    target = ws.integrations[0]
    await api.client.delete(f"/v1/integrations/{target.id}", headers=api.auth(ws))
    answer = await api.client.get(f"/v1/integrations/{target.id}/next-slot", headers=api.auth(ws))
    assert answer.status_code == 409
    assert answer.json()["code"] == "integration_disconnected"


async def test_connect_twitter_in_a_test_workspace_points_at_the_simulator(api: Api) -> None:
    ws = await api.workspace()
    answer = await api.client.get("/v1/integrations/twitter/connect", headers=api.auth(ws))
    assert answer.status_code == 200
    body = answer.json()
    assert body["auth_type"] == "oauth"
    assert body["url"].startswith(
        "http://127.0.0.1:8000/api/platforms/twitter/simulated-authorize?"
    )
    assert body["redirect_uri"] == "http://127.0.0.1:8000/api/platforms/twitter/callback"
    assert f"state={body['state']}" in body["url"]


async def test_connect_twitter_in_a_live_workspace_needs_a_client_id(api: Api) -> None:
    ws = await api.workspace(mode=WorkspaceMode.LIVE)
    answer = await api.client.get("/v1/integrations/twitter/connect", headers=api.auth(ws))
    assert answer.status_code == 503
    assert answer.json()["code"] == "platform_not_configured"


async def test_connect_bluesky_answers_instructions(api: Api) -> None:
    ws = await api.workspace()
    body = (await api.client.get("/v1/integrations/bluesky/connect", headers=api.auth(ws))).json()
    assert body["auth_type"] == "credentials"
    assert body["method"] == "POST"
    assert body["url"] == "http://127.0.0.1:8000/v1/integrations/bluesky/connect"
    assert body["fields"] == ["identifier", "password"]
    assert body["instructions"]


async def test_pending_and_unknown_platforms(api: Api) -> None:
    h = api.auth(await api.workspace())
    pending = await api.client.get("/v1/integrations/tiktok/connect", headers=h)
    assert pending.status_code == 422 and pending.json()["code"] == "platform_unavailable"
    unknown = await api.client.get("/v1/integrations/myspace/connect", headers=h)
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
