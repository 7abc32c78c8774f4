"""A claim carries each target's media (the platform's own list, else the post's), and the
claim's context reads their rows, on every backend."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

from adapters.clock import ManualClock
from application.claim_due_targets import ClaimDueTargets
from domain.media import Media, MediaFacts, MediaKind, StoredBytes
from domain.platform import Platform
from tests.contract.conftest import START, Backend
from tests.contract.test_posts import LEASE, _add, _world, a_post


def a_media(workspace_id: UUID, alt_text: str) -> Media:
    return Media.create(
        id=uuid4(),
        workspace_id=workspace_id,
        facts=MediaFacts(MediaKind.IMAGE, "image/png", 30, 20),
        stored=StoredBytes(3, "0" * 64),
        alt_text=alt_text,
        now=START,
    )


async def test_each_target_is_claimed_with_its_platforms_media_and_their_rows(
    uow_factory: Backend,
) -> None:
    workspace, integrations = await _world(uow_factory)
    first, second, own = (a_media(workspace, n) for n in ("first", "second", "own"))
    foreign = a_media(uuid4(), "another workspace's")
    async with uow_factory() as uow:
        for media in (first, second, own):
            await uow.media.add(media)
        await uow.commit()
    at = START + timedelta(hours=1)
    post = a_post(workspace, integrations, at=at)
    post.media = (second.id, first.id, foreign.id)
    post.media_overrides = {Platform.BLUESKY: (own.id,)}
    await _add(uow_factory, post)

    claimed = await ClaimDueTargets(uow_factory, ManualClock(at), LEASE).execute(10)

    by_platform = {c.platform: c for c in claimed}
    x, bluesky = by_platform[Platform.TWITTER], by_platform[Platform.BLUESKY]
    assert x.media_ids == (second.id, first.id, foreign.id)
    assert bluesky.media_ids == (own.id,)
    assert x.context is not None and bluesky.context is not None
    assert [m.alt_text for m in x.context.media] == ["second", "first"]
    assert bluesky.context.media == (own,)


async def test_a_post_without_media_is_claimed_with_none(uow_factory: Backend) -> None:
    workspace, integrations = await _world(uow_factory)
    at = START + timedelta(hours=1)
    await _add(uow_factory, a_post(workspace, integrations, at=at))
    claimed = await ClaimDueTargets(uow_factory, ManualClock(at), LEASE).execute(10)
    assert {c.media_ids for c in claimed} == {()}
    assert all(c.context is not None and c.context.media == () for c in claimed)
