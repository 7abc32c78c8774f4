"""Every change the contract names writes its event through the outbox, in the same unit
of work, exactly once: connect and reconnect, needs_refresh, disconnect, a target
published, a target failed."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from adapters.clock import ManualClock
from adapters.persistence.memory import MemoryStore
from adapters.platforms.directory import StaticPlatformDirectory
from adapters.platforms.simulated import SIMULATED_APP_PASSWORD, SimulatedBlueskyGateway
from adapters.rate_limit.failed_attempts_memory import MemoryFailedAttempts
from application.connect_bluesky import ConnectBluesky
from application.disconnect_integration import DisconnectIntegration
from application.login_throttle import LoginLimits, LoginThrottle
from application.ports.bluesky import InvalidCredentials
from application.ports.platforms import ContentRejected, CredentialsRejected
from domain.platform import Platform
from domain.webhooks.endpoint import WebhookEndpoint
from domain.webhooks.signing import new_secret
from domain.webhooks.urls import UrlPolicy
from domain.workspace import WorkspaceMode
from tests.unit.application.posts_world import START, ScriptedGateway
from tests.unit.application.posts_world import World as PostsWorld
from tests.unit.application.world import World


def subscribe(store: MemoryStore, workspace_id: Any, clock: ManualClock) -> None:
    endpoint = WebhookEndpoint.create(
        id=uuid4(),
        workspace_id=workspace_id,
        url="https://hooks.example.com/",
        events=["*"],
        description=None,
        secret=new_secret(),
        policy=UrlPolicy(),
        now=clock.now(),
    )
    store.webhook_endpoints[endpoint.id] = endpoint


def throttle(world: World) -> LoginThrottle:
    attempts = MemoryFailedAttempts(lambda: world.clock.now().timestamp())
    return LoginThrottle(attempts, LoginLimits())


def events(store: MemoryStore) -> list[dict[str, Any]]:
    bodies = sorted(store.webhook_events.values(), key=lambda e: e.id)
    return [json.loads(e.body) for e in bodies]


async def test_connect_reconnect_and_disconnect_each_write_one_event(world: World) -> None:
    workspace = world.workspace(WorkspaceMode.TEST)
    subscribe(world.store, workspace.id, world.clock)
    bluesky = SimulatedBlueskyGateway(world.clock)
    platforms = StaticPlatformDirectory(live={}, simulated={Platform.BLUESKY: bluesky})
    connect = ConnectBluesky(world.uow(), world.clock, world.ids, platforms, throttle(world))
    first = await connect.execute(workspace.id, workspace.mode, "a.test", SIMULATED_APP_PASSWORD)
    world.clock.advance(60)
    await connect.execute(workspace.id, workspace.mode, "a.test", SIMULATED_APP_PASSWORD)
    disconnect = DisconnectIntegration(world.uow(), world.clock, platforms)
    await disconnect.execute(workspace.id, workspace.mode, first.integration.id)
    await disconnect.execute(workspace.id, workspace.mode, first.integration.id)  # no-op
    written = events(world.store)
    assert [e["type"] for e in written] == [
        "integration.connected",
        "integration.connected",
        "integration.disconnected",
    ]
    assert all(e["data"]["id"] == str(first.integration.id) for e in written)
    assert written[2]["data"]["status"] == "disconnected"
    assert len(world.store.webhook_deliveries) == 3


async def test_a_refused_connect_writes_nothing(world: World) -> None:
    workspace = world.workspace(WorkspaceMode.TEST)
    subscribe(world.store, workspace.id, world.clock)
    platforms = StaticPlatformDirectory(
        live={}, simulated={Platform.BLUESKY: SimulatedBlueskyGateway(world.clock)}
    )
    connect = ConnectBluesky(world.uow(), world.clock, world.ids, platforms, throttle(world))
    with pytest.raises(InvalidCredentials):
        await connect.execute(workspace.id, workspace.mode, "a.test", "wrong")
    assert events(world.store) == []


async def test_published_and_failed_targets_each_write_one_event() -> None:
    world = await PostsWorld().setup()
    subscribe(world.store, world.workspace_id, world.clock)
    world.gateways[Platform.BLUESKY] = ScriptedGateway(
        Platform.BLUESKY, ContentRejected("content_rejected", "no")
    )
    post = await world.create(
        world.twitter, world.bluesky, schedule_at=START + timedelta(minutes=5)
    )
    world.clock.advance(timedelta(minutes=5))
    await world.run_due()
    await world.run_due()
    written = {e["type"]: e["data"] for e in events(world.store)}
    assert len(events(world.store)) == 2
    assert written["post.published"] == {
        "post_id": str(post.id),
        "integration_id": str(world.twitter.id),  # type: ignore[union-attr]
        "platform": "twitter",
        "platform_post_id": "1",
        "platform_post_url": "https://example.test/twitter/1",
    }
    assert written["post.failed"]["error"] == {"code": "content_rejected", "message": "no"}
    assert written["post.failed"]["integration_id"] == str(world.bluesky.id)  # type: ignore[union-attr]


async def test_credentials_refused_for_good_write_needs_refresh_once() -> None:
    world = await PostsWorld().setup()
    subscribe(world.store, world.workspace_id, world.clock)
    world.gateways[Platform.TWITTER] = ScriptedGateway(
        Platform.TWITTER, CredentialsRejected("token_revoked", "no"),
        CredentialsRejected("token_revoked", "no"),
    )  # fmt: skip
    for minutes in (5, 65):
        await world.create(world.twitter, schedule_at=START + timedelta(minutes=minutes))
    world.clock.advance(timedelta(minutes=65))
    await world.run_due()
    kinds = [e["type"] for e in events(world.store)]
    assert kinds.count("integration.needs_refresh") == 1
    assert kinds.count("post.failed") == 2
    [refresh] = [e for e in events(world.store) if e["type"] == "integration.needs_refresh"]
    assert refresh["data"]["status_reason"] == "token_revoked"
