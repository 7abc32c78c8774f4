"""Outbox contract: an event is written with the change it reports, or not at all, and is
fanned out to the endpoints subscribed when it is written."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from adapters.persistence.sqlalchemy.tables import webhook_endpoints
from domain.webhooks.delivery import DeliveryStatus
from domain.webhooks.endpoint import WebhookEndpoint
from domain.webhooks.events import EventType
from domain.webhooks.urls import UrlPolicy
from domain.workspace import Workspace
from tests.contract.builders import T0, a_workspace
from tests.contract.conftest import Backend, SqlBackend
from tests.contract.webhook_builders import a_draft, an_endpoint, count_events

LEASE = timedelta(seconds=30)


class Boom(Exception):
    pass


async def _workspace_with_endpoints(
    backend: Backend, *event_lists: tuple[str, ...]
) -> tuple[Workspace, list[WebhookEndpoint]]:
    workspace = a_workspace()
    endpoints = [an_endpoint(workspace.id, events) for events in event_lists]
    async with backend() as uow:
        await uow.workspaces.add(workspace)
        for endpoint in endpoints:
            await uow.webhook_endpoints.add(endpoint)
        await uow.commit()
    return workspace, endpoints


async def test_a_commit_leaves_one_event_and_a_delivery_per_subscribed_endpoint(
    uow_factory: Backend,
) -> None:
    workspace, (star, failed, published) = await _workspace_with_endpoints(
        uow_factory, ("*",), ("post.failed",), ("post.published",)
    )
    _other, _ = await _workspace_with_endpoints(uow_factory, ("*",))
    async with uow_factory() as uow:
        await uow.outbox.record(a_draft(workspace.id, EventType.POST_FAILED))
        await uow.commit()
    assert await count_events(uow_factory) == 1
    async with uow_factory() as uow:
        for endpoint, expected in ((star, 1), (failed, 1), (published, 0)):
            found = await uow.webhook_deliveries.list(workspace.id, endpoint.id, None, 10)
            assert len(found) == expected
            assert all(d.status is DeliveryStatus.PENDING and d.attempts == 0 for d in found)
        claimed = await uow.delivery_queue.claim_due(T0, LEASE, 10, 4)
    assert {c.delivery.endpoint_id for c in claimed} == {star.id, failed.id}
    body = json.loads(claimed[0].body)
    assert body["type"] == body["event"] == "post.failed"
    assert body["id"].startswith("evt_") and body["timestamp"] == "2026-04-16T10:22:14Z"
    assert body["data"] == {"post_id": "p"} and claimed[0].delivery.event_id == body["id"]
    assert claimed[0].body == claimed[1].body


async def test_a_rollback_leaves_no_event_and_no_delivery(uow_factory: Backend) -> None:
    workspace, (endpoint,) = await _workspace_with_endpoints(uow_factory, ("*",))
    with pytest.raises(Boom):
        async with uow_factory() as uow:
            await uow.outbox.record(a_draft(workspace.id))
            raise Boom
    async with uow_factory() as uow:
        await uow.outbox.record(a_draft(workspace.id))
        await uow.rollback()
    assert await count_events(uow_factory) == 0
    async with uow_factory() as uow:
        assert await uow.webhook_deliveries.list(workspace.id, endpoint.id, None, 10) == []


async def test_only_endpoints_subscribed_when_the_event_is_written_receive_it(
    uow_factory: Backend,
) -> None:
    workspace, (disabled,) = await _workspace_with_endpoints(uow_factory, ("*",))
    async with uow_factory() as uow:
        disabled.change(T0, UrlPolicy(), enabled=False)
        await uow.webhook_endpoints.save(disabled)
        await uow.outbox.record(a_draft(workspace.id))
        late = an_endpoint(workspace.id)
        await uow.webhook_endpoints.add(late)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.webhook_deliveries.list(workspace.id, late.id, None, 10) == []
        assert await uow.webhook_deliveries.list(workspace.id, disabled.id, None, 10) == []


async def test_a_draft_naming_an_endpoint_goes_to_it_alone(uow_factory: Backend) -> None:
    workspace, (named, other) = await _workspace_with_endpoints(
        uow_factory, ("post.failed",), ("*",)
    )
    async with uow_factory() as uow:
        await uow.outbox.record(a_draft(workspace.id, EventType.WEBHOOK_TEST, named.id))
        await uow.commit()
    async with uow_factory() as uow:
        [sent] = await uow.webhook_deliveries.list(workspace.id, named.id, None, 10)
        assert sent.event_type is EventType.WEBHOOK_TEST
        assert await uow.webhook_deliveries.list(workspace.id, other.id, None, 10) == []


async def test_many_drafts_recorded_at_once_each_reach_their_own_subscribers(
    uow_factory: Backend,
) -> None:
    """One call with drafts of two workspaces and several types: each event goes to the
    endpoints of its own workspace subscribed to its type, and the ids come back in order."""
    first, (star, failed) = await _workspace_with_endpoints(
        uow_factory, ("*",), ("post.failed",)
    )
    second, (published,) = await _workspace_with_endpoints(uow_factory, ("post.published",))
    drafts = [
        a_draft(first.id, EventType.POST_FAILED),
        a_draft(second.id, EventType.POST_PUBLISHED),
        a_draft(first.id, EventType.POST_PUBLISHED),
        a_draft(second.id, EventType.POST_FAILED),
    ]
    async with uow_factory() as uow:
        ids = await uow.outbox.record(*drafts)
        await uow.commit()
    assert len(set(ids)) == 4 and await count_events(uow_factory) == 4
    async with uow_factory() as uow:
        got = {
            endpoint.id: [
                (d.event_id, d.event_type)
                for d in await uow.webhook_deliveries.list(ws.id, endpoint.id, None, 10)
            ]
            for ws, endpoint in ((first, star), (first, failed), (second, published))
        }
    assert sorted(got[star.id]) == sorted(
        [(ids[0], EventType.POST_FAILED), (ids[2], EventType.POST_PUBLISHED)]
    )
    assert got[failed.id] == [(ids[0], EventType.POST_FAILED)]
    assert got[published.id] == [(ids[1], EventType.POST_PUBLISHED)]


async def test_secrets_are_stored_encrypted_and_read_back(sql_backend: SqlBackend) -> None:
    workspace, (endpoint,) = await _workspace_with_endpoints(sql_backend, ("*",))
    async with sql_backend.engine.connect() as conn:
        row = (await conn.execute(select(webhook_endpoints))).mappings().one()
    assert endpoint.secret.encode() not in bytes(row["secret_ciphertext"])
    assert endpoint.secret.removeprefix("whsec_").encode() not in bytes(row["secret_ciphertext"])
    async with sql_backend() as uow:
        assert await uow.webhook_endpoints.get(workspace.id, endpoint.id) == endpoint
