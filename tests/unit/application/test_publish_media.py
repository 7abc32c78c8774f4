"""Publishing a target with media: rows from the claim's context, bytes from the store,
handed to the platform in the post's order; uploads retried, a vanished file failed."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from application.claim_due_targets import ClaimDueTargets
from application.ports.platforms import PlatformUnreachable
from application.ports.publish_queue import ClaimedTarget
from domain.media import Media
from domain.outcomes import Failed, Published, Transient
from domain.post_target import TargetStatus
from tests.support.media import stored_media
from tests.unit.application.posts_world import LEASE, START, World

AT = START + timedelta(hours=1)


@pytest.fixture
async def world() -> World:
    return await World().setup()


async def claimed_with(world: World, *media: Media) -> ClaimedTarget:
    """The next due target, as if its post carried `media` (the claim reads them)."""
    await world.create(world.twitter, schedule_at=AT, content="with media")
    world.clock.set(AT)
    [claimed] = await ClaimDueTargets(world.uow, world.clock, LEASE).execute(10)
    assert claimed.context is not None
    return replace(
        claimed,
        media_ids=tuple(m.id for m in media),
        context=replace(claimed.context, media=media),
    )


async def test_media_reach_the_platform_in_order_with_their_bytes_and_alt_text(
    world: World,
) -> None:
    first = await stored_media(world.media_store, world.workspace_id, b"one", alt_text="a cat")
    second = await stored_media(world.media_store, world.workspace_id, b"two" * 5000)
    outcome = await world.publisher().execute(await claimed_with(world, first, second))
    assert isinstance(outcome, Published)
    [sent] = world.gateways[world.twitter.platform].sent_media  # type: ignore[union-attr]
    assert [content for _, content in sent] == [b"one", b"two" * 5000]
    assert [item.alt_text for item, _ in sent] == ["a cat", ""]
    assert sent[0][0].size_bytes == 3 and sent[0][0].kind == first.kind


async def test_a_media_row_gone_before_the_claim_fails_the_target_without_a_call(
    world: World,
) -> None:
    kept = await stored_media(world.media_store, world.workspace_id, b"one")
    gone = await stored_media(world.media_store, world.workspace_id, b"two")
    claimed = await claimed_with(world, kept, gone)
    claimed = replace(claimed, context=replace(claimed.context, media=(kept,)))  # type: ignore[arg-type]
    outcome = await world.publisher().execute(claimed)
    assert isinstance(outcome, Failed) and outcome.code == "media_missing"
    assert world.gateways[world.twitter.platform].used_tokens == []  # type: ignore[union-attr]


async def test_a_stored_file_gone_fails_the_target_media_missing(world: World) -> None:
    media = await stored_media(world.media_store, world.workspace_id, b"one")
    await world.media_store.delete(media.storage_key)
    outcome = await world.publisher().execute(await claimed_with(world, media))
    assert isinstance(outcome, Failed) and outcome.code == "media_missing"


async def test_a_store_that_fails_is_retried_later(world: World) -> None:
    media = await stored_media(world.media_store, world.workspace_id, b"one")
    world.media_store.broken = True
    claimed = await claimed_with(world, media)
    outcome = await world.publisher().execute(claimed)
    assert isinstance(outcome, Transient)
    async with world.uow() as uow:
        post = await uow.posts.get_any(claimed.post_id)
    assert post is not None and post.targets[0].status is TargetStatus.PENDING


async def test_an_upload_that_failed_is_retried_and_the_post_published(world: World) -> None:
    """The gateway reports an upload failure as unsent: nothing was posted."""
    media = await stored_media(world.media_store, world.workspace_id, b"one")
    gateway = world.gateways[world.twitter.platform]  # type: ignore[union-attr]
    gateway.script = [PlatformUnreachable("append cut", sent=False)]
    claimed = await claimed_with(world, media)
    assert isinstance(await world.publisher().execute(claimed), Transient)
    assert gateway.sent == []


async def test_a_due_post_with_media_is_claimed_and_published_with_them(world: World) -> None:
    media = await stored_media(world.media_store, world.workspace_id, b"png", alt_text="a cat")
    async with world.uow() as uow:
        await uow.media.add(media)
        await uow.commit()
    post = await world.create(world.twitter, schedule_at=AT, content="look")
    world.store.posts[post.id].media = (media.id,)
    world.clock.set(AT)
    [outcome] = await world.run_due()
    assert isinstance(outcome, Published)
    [[(sent, content)]] = world.gateways[world.twitter.platform].sent_media  # type: ignore[union-attr]
    assert (sent.alt_text, content) == ("a cat", b"png")
