"""The publisher's rules, over memory adapters, a scripted platform and a manual clock."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from datetime import timedelta

import pytest

from adapters.platforms.simulated import SimulatedGateway
from application.claim_due_targets import ClaimDueTargets
from application.ports.credentials import Credentials
from application.ports.outgoing_media import OutgoingMedia
from application.ports.platforms import (
    AccessTokenExpired,
    ContentRejected,
    CredentialsRejected,
    PlatformRateLimited,
    PlatformUnreachable,
    PublishedPost,
)
from domain.integration import IntegrationStatus, Profile
from domain.platform import Platform
from domain.post import PostStatus
from domain.post_target import TargetStatus
from domain.workspace import WorkspaceMode
from tests.unit.application.posts_world import LEASE, START, ScriptedGateway, World

AT = START + timedelta(hours=1)


@pytest.fixture
async def world() -> World:
    return await World().setup()


async def scheduled(world: World, *integrations, content: str = "hello"):
    return await world.create(*integrations, schedule_at=AT, content=content)


async def test_nothing_is_claimed_before_its_time(world: World) -> None:
    await scheduled(world)
    world.clock.set(AT - timedelta(seconds=1))
    assert await world.run_due() == []


async def test_a_test_workspace_publishes_to_the_simulated_platform() -> None:
    world = World(mode=WorkspaceMode.TEST)
    world.gateways = {p: SimulatedGateway(p, world.clock) for p in Platform if p.is_available}  # type: ignore[misc]
    await world.setup()
    post = await scheduled(world, world.twitter, world.bluesky)
    world.clock.set(AT)
    await world.run_due()
    done = await world.stored(post)
    assert done.status is PostStatus.PUBLISHED and done.published_at == AT
    for target in done.targets:
        assert target.attempts == 1 and target.platform_post_url.startswith("https://")


async def test_transient_failures_are_retried_then_published(world: World) -> None:
    world.gateways[Platform.TWITTER].script = [
        PlatformUnreachable("connect refused", sent=False),
        PlatformUnreachable("503", sent=False),
    ]
    post = await scheduled(world)
    world.clock.set(AT)
    await world.run_due()
    target = (await world.stored(post)).targets[0]
    assert target.status is TargetStatus.PENDING and target.next_attempt_at == AT + timedelta(
        seconds=15
    )
    world.clock.set(target.next_attempt_at)
    await world.run_due()
    world.clock.advance(30)
    await world.run_due()
    target = (await world.stored(post)).targets[0]
    assert (target.status, target.attempts, target.retries) == (TargetStatus.PUBLISHED, 3, 2)


async def test_after_three_retries_the_target_fails(world: World) -> None:
    world.gateways[Platform.TWITTER].script = [
        PlatformUnreachable("503", sent=False) for _ in range(4)
    ]
    post = await scheduled(world)
    world.clock.set(AT)
    for _ in range(4):
        await world.run_due()
        world.clock.advance(timedelta(minutes=5))
    target = (await world.stored(post)).targets[0]
    assert target.status is TargetStatus.FAILED
    assert target.error.code == "platform_unavailable_upstream" and target.attempts == 4


async def test_a_send_that_was_lost_is_never_sent_again(world: World) -> None:
    gateway = world.gateways[Platform.TWITTER]
    gateway.script = [PlatformUnreachable("read timeout", sent=True)]
    post = await scheduled(world)
    world.clock.set(AT)
    await world.run_due()
    world.clock.advance(timedelta(hours=1))
    await world.run_due()
    target = (await world.stored(post)).targets[0]
    assert target.status is TargetStatus.FAILED and target.error.code == "outcome_unknown"
    assert len(gateway.used_tokens) == 1


async def test_a_rate_limit_defers_to_the_reset_without_using_a_retry(world: World) -> None:
    reset = AT + timedelta(minutes=15)
    world.gateways[Platform.TWITTER].script = [PlatformRateLimited(reset)]
    post = await scheduled(world)
    world.clock.set(AT)
    await world.run_due()
    target = (await world.stored(post)).targets[0]
    assert (target.status, target.next_attempt_at, target.retries) == (
        TargetStatus.PENDING,
        reset,
        0,
    )
    world.clock.set(reset)
    await world.run_due()
    assert (await world.stored(post)).status is PostStatus.PUBLISHED


async def test_still_rate_limited_an_hour_after_the_schedule_fails(world: World) -> None:
    world.gateways[Platform.TWITTER].script = [PlatformRateLimited(AT + timedelta(minutes=90))]
    post = await scheduled(world)
    world.clock.set(AT)
    await world.run_due()
    target = (await world.stored(post)).targets[0]
    assert target.status is TargetStatus.FAILED and target.error.code == "platform_rate_limited"


async def test_a_content_refusal_fails_with_the_platforms_words(world: World) -> None:
    world.gateways[Platform.BLUESKY].script = [ContentRejected("duplicate_content", "Dupe!")]
    post = await scheduled(world, world.twitter, world.bluesky)
    world.clock.set(AT)
    await world.run_due()
    done = await world.stored(post)
    assert done.status is PostStatus.FAILED
    assert done.targets[1].error.code == "duplicate_content"
    assert done.targets[1].error.message == "Dupe!"
    assert done.targets[0].status is TargetStatus.PUBLISHED


async def test_credentials_refused_for_good_need_a_refresh(world: World) -> None:
    world.gateways[Platform.TWITTER].script = [CredentialsRejected()]
    post = await scheduled(world)
    world.clock.set(AT)
    await world.run_due()
    target = (await world.stored(post)).targets[0]
    assert target.error.code == "integration_needs_refresh" and target.attempts == 0
    integration = await world.integration(world.twitter)
    assert integration.status is IntegrationStatus.NEEDS_REFRESH
    assert integration.status_reason == "token_revoked"


async def test_reconnected_before_its_time_publishes_normally(world: World) -> None:
    post = await scheduled(world)
    integration = await world.integration(world.twitter)
    integration.disconnect(AT - timedelta(minutes=30))
    integration.reconnect(Profile("111", "back", "Back"), AT - timedelta(minutes=10))
    async with world.uow() as uow:
        await uow.integrations.save(integration)
        await uow.commit()
    world.clock.set(AT)
    await world.run_due()
    assert (await world.stored(post)).status is PostStatus.PUBLISHED


async def test_disconnected_at_publish_time_fails_without_an_attempt(world: World) -> None:
    post = await scheduled(world)
    integration = await world.integration(world.twitter)
    integration.disconnect(START)
    async with world.uow() as uow:
        await uow.integrations.save(integration)
        await uow.commit()
    world.clock.set(AT)
    await world.run_due()
    target = (await world.stored(post)).targets[0]
    assert (target.error.code, target.attempts) == ("integration_disconnected", 0)
    assert world.gateways[Platform.TWITTER].used_tokens == []


async def test_expiring_credentials_are_refreshed_first_and_stored(world: World) -> None:
    async with world.uow() as uow:
        soon = Credentials("access-1", "refresh-1", expires_at=AT + timedelta(minutes=2))
        await uow.credentials.put(world.twitter.id, soon)
        await uow.commit()
    post = await scheduled(world)
    world.clock.set(AT)
    await world.run_due()
    assert world.gateways[Platform.TWITTER].used_tokens == ["access-2"]
    async with world.uow() as uow:
        stored = await uow.credentials.get(world.twitter.id)
    assert stored.credentials.refresh_token == "refresh-2"
    assert (await world.stored(post)).status is PostStatus.PUBLISHED


async def test_a_refused_refresh_moves_the_integration_to_needs_refresh(world: World) -> None:
    gateway = world.gateways[Platform.TWITTER]
    gateway.refresh_script = [CredentialsRejected()]
    async with world.uow() as uow:
        await uow.credentials.put(world.twitter.id, Credentials("a", "r", expires_at=AT))
        await uow.commit()
    post = await scheduled(world)
    world.clock.set(AT)
    await world.run_due()
    assert (await world.stored(post)).targets[0].error.code == "integration_needs_refresh"
    assert (await world.integration(world.twitter)).status is IntegrationStatus.NEEDS_REFRESH
    assert gateway.used_tokens == []


async def test_an_expired_access_token_is_refreshed_and_sent_once_more(world: World) -> None:
    gateway = world.gateways[Platform.TWITTER]
    gateway.script = [AccessTokenExpired("401")]
    post = await scheduled(world)
    world.clock.set(AT)
    await world.run_due()
    assert gateway.used_tokens == ["access-1", "access-2"] and gateway.sent == ["hello"]
    assert (await world.stored(post)).status is PostStatus.PUBLISHED


async def test_a_dead_workers_target_fails_outcome_unknown_and_is_not_resent(
    world: World,
) -> None:
    post = await scheduled(world)
    world.clock.set(AT)
    claimed = await ClaimDueTargets(world.uow, world.clock, LEASE).execute(10)
    assert len(claimed) == 1
    world.clock.advance(LEASE - timedelta(seconds=1))
    await world.run_due()
    assert (await world.stored(post)).targets[0].status is TargetStatus.PUBLISHING
    world.clock.advance(timedelta(seconds=1))
    await world.run_due()
    target = (await world.stored(post)).targets[0]
    assert target.error.code == "outcome_unknown" and target.attempts == 1
    assert world.gateways[Platform.TWITTER].used_tokens == []
    # The lost worker finally answers: the truth beats the guess.
    await world.publisher().execute(claimed[0])
    assert (await world.stored(post)).status is PostStatus.PUBLISHED


async def test_canceled_posts_are_never_claimed(world: World) -> None:
    post = await scheduled(world)
    await world.cancel(post)
    world.clock.set(AT)
    assert await world.run_due() == []


class HeldGateway(ScriptedGateway):
    """Answers a publish only when the test says so."""

    def __init__(self, platform: Platform) -> None:
        super().__init__(platform)
        self.called, self.answer = asyncio.Event(), asyncio.Event()

    async def publish(
        self, credentials: Credentials, text: str, media: Sequence[OutgoingMedia] = ()
    ) -> PublishedPost:
        self.called.set()
        await self.answer.wait()
        return await super().publish(credentials, text, media)


async def test_an_answer_already_received_is_recorded_even_if_the_publish_is_cancelled() -> None:
    world = World()
    gateway = HeldGateway(Platform.TWITTER)
    world.gateways[Platform.TWITTER] = gateway
    await world.setup()
    post = await world.create(world.twitter, schedule_at=START + timedelta(hours=1))
    world.clock.set(START + timedelta(hours=1))
    [claimed] = await ClaimDueTargets(world.uow, world.clock, LEASE).execute(10)
    publishing = asyncio.create_task(world.publisher().execute(claimed))
    await gateway.called.wait()
    async with world.store.lock:  # the outcome's transaction will have to wait for this
        gateway.answer.set()
        for _ in range(10):
            await asyncio.sleep(0)
        publishing.cancel()  # the shutdown grace runs out while the outcome waits
    with pytest.raises(asyncio.CancelledError):
        await publishing
    target = (await world.stored(post)).targets[0]
    assert target.status is TargetStatus.PUBLISHED
    assert target.platform_post_id is not None


async def test_a_claim_carries_what_its_publish_needs(world: World) -> None:
    await scheduled(world, world.twitter, world.bluesky)
    world.clock.set(AT)
    claimed = await ClaimDueTargets(world.uow, world.clock, LEASE).execute(10)
    contexts = {c.integration_id: c.context for c in claimed}
    for integration in (world.twitter, world.bluesky):
        context = contexts[integration.id]
        assert context is not None and context.integration == integration
        assert context.mode is WorkspaceMode.LIVE
        assert context.credentials is not None
        assert context.credentials.credentials.access_token == "access-1"


async def test_a_target_claimed_without_its_context_reads_its_own(world: World) -> None:
    post = await scheduled(world)
    world.clock.set(AT)
    [claimed] = await ClaimDueTargets(world.uow, world.clock, LEASE).execute(10)
    integration = await world.integration(world.twitter)
    integration.disconnect(AT)
    async with world.uow() as uow:
        await uow.integrations.save(integration)
        await uow.commit()
    await world.publisher().execute(dataclasses.replace(claimed, context=None))
    target = (await world.stored(post)).targets[0]
    assert target.error.code == "integration_disconnected"
    assert world.gateways[Platform.TWITTER].used_tokens == []
