"""Workspaces never see each other, and every refusal uses the envelope."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Api

NOT_FOUND = {"error": "No resource with that ID in this workspace.", "code": "not_found"}
INVALID_KEY = {"error": "Invalid API key", "code": "invalid_api_key"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/integrations/{id}"),
        ("GET", "/v1/integrations/{id}/next-slot"),
        ("DELETE", "/v1/integrations/{id}"),
    ],
)
async def test_a_foreign_integration_is_indistinguishable_from_a_missing_one(
    api: Api, method: str, path: str
) -> None:
    mine, theirs = await api.workspace("mine"), await api.workspace("theirs")
    foreign = theirs.integrations[0].id
    answer = await api.client.request(method, path.format(id=foreign), headers=api.auth(mine))
    assert answer.status_code == 404
    body = answer.json()
    assert {k: body[k] for k in ("error", "code")} == NOT_FOUND
    assert body["request_id"] == answer.headers["request-id"]
    untouched = await api.client.get(f"/v1/integrations/{foreign}", headers=api.auth(theirs))
    assert untouched.json()["status"] == "active"


async def test_lists_hold_only_the_callers_integrations(api: Api) -> None:
    mine, theirs = await api.workspace("mine"), await api.workspace("theirs")
    listed = (await api.client.get("/v1/integrations", headers=api.auth(mine))).json()["data"]
    assert {i["id"] for i in listed} == {str(i.id) for i in mine.integrations}
    cursor = theirs.integrations[0].id
    foreign_cursor = await api.client.get(
        f"/v1/integrations?starting_after={cursor}", headers=api.auth(mine)
    )
    assert foreign_cursor.status_code == 422


@pytest.mark.parametrize("bad_id", ["abc", "123", "00000000-0000-0000-0000-00000000000g"])
async def test_a_malformed_id_is_404(api: Api, bad_id: str) -> None:
    answer = await api.client.get(
        f"/v1/integrations/{bad_id}", headers=api.auth(await api.workspace())
    )
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Basic b3A6b3A=",
        "Bearer",
        "Bearer op_live_" + "A" * 32,
        "Bearer not-a-key",
        "op_live_x",
    ],
)
async def test_bad_keys_get_exactly_the_401_body(api: Api, header: str | None) -> None:
    await api.workspace()
    headers = {"Authorization": header} if header else {}
    answer = await api.client.get("/v1/integrations", headers=headers)
    assert answer.status_code == 401
    assert answer.json() == INVALID_KEY
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.headers["request-id"].startswith("req_")


async def test_the_key_is_checked_before_routing(api: Api) -> None:
    answer = await api.client.get("/v1/no-such-route")
    assert answer.status_code == 401


async def test_a_revoked_key_is_refused(api: Api) -> None:
    from adapters.decorators.principals import CachedPrincipals
    from application.api_keys import RevokeApiKey
    from application.ports.api_keys import PrincipalLookup

    ws = await api.workspace()
    assert (await api.client.get("/v1/integrations", headers=api.auth(ws))).status_code == 200
    async with api.container() as scope:
        await (await scope.get(RevokeApiKey)).execute(ws.api_key.plaintext)
    principals = await api.container.get(PrincipalLookup)
    assert isinstance(principals, CachedPrincipals)
    principals.monotonic = lambda: 10**12  # past any cached answer
    answer = await api.client.get("/v1/integrations", headers=api.auth(ws))
    assert answer.status_code == 401


async def test_unknown_route_and_wrong_method(api: Api) -> None:
    h = api.auth(await api.workspace())
    missing = await api.client.get("/v1/nothing-here", headers=h)
    assert missing.status_code == 404 and missing.json()["code"] == "route_not_found"
    wrong = await api.client.put("/v1/integrations", headers=h)
    assert wrong.status_code == 405
    assert wrong.json()["code"] == "method_not_allowed"
    assert "GET" in wrong.headers["allow"]


async def test_health_and_readiness_need_no_key(api: Api) -> None:
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    assert (await api.client.get("/readyz")).status_code == 200


async def test_openapi_documents_every_route_and_its_errors(api: Api) -> None:
    document = (await api.client.get("/schema/openapi.json")).json()
    paths = document["paths"]
    assert "/v1/integrations" in paths
    assert "/v1/integrations/{integration_id}/next-slot" in paths
    assert "/v1/integrations/{platform}/connect" in paths
    assert "404" in paths["/v1/integrations/{integration_id}"]["get"]["responses"]
    assert "401" in paths["/v1/integrations"]["get"]["responses"]


async def test_the_request_id_is_repeated_in_the_access_log(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    ws = await api.workspace()
    with caplog.at_level("INFO", logger="openpost.access"):
        answer = await api.client.get("/v1/integrations?limit=5", headers=api.auth(ws))
    request_id = answer.headers["request-id"]
    lines = [r for r in caplog.records if r.name == "openpost.access"]
    assert any(getattr(r, "request_id", None) == request_id for r in lines)
    line = next(r.getMessage() for r in lines if request_id in r.getMessage())
    assert line.startswith("GET /v1/integrations 200 ")
    assert "limit=5" not in line
