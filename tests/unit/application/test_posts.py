"""Creating, listing, editing and canceling posts, over the memory adapters."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from application.create_post import CreatePost, CreatePostCommand
from application.errors import (
    IntegrationNotFound,
    InvalidCursor,
    InvalidPostTargets,
    NotFound,
    TargetIntegrationDisconnected,
)
from application.find_next_slot import FindNextSlot
from application.get_post import GetPost
from application.integration_slots import SlotReadsThrough
from application.list_posts import ListPosts, ListPostsQuery
from application.post_scheduling import NEXT_SLOT
from domain.errors import (
    ContentTooLong,
    InvalidPostInput,
    NoSlotAvailable,
    PostNotCancelable,
    PostNotEditable,
)
from domain.platform import Platform
from domain.post import PostStatus
from tests.unit.application.posts_world import LEASE, START, World


@pytest.fixture
async def world() -> World:
    return await World().setup()


async def test_a_post_without_a_time_is_a_draft_that_never_blocks(world: World) -> None:
    post = await world.create(world.twitter, world.bluesky)
    assert post.status is PostStatus.DRAFT and post.scheduled_at is None
    assert [t.platform for t in post.targets] == [Platform.TWITTER, Platform.BLUESKY]
    assert (await world.stored(post)) == post
    slot = await FindNextSlot(SlotReadsThrough(world.uow), world.clock).execute(
        world.workspace_id, world.twitter.id
    )
    assert slot.date == datetime(2026, 4, 17, 11, 0, tzinfo=UTC)


async def test_an_explicit_time_schedules_every_target(world: World) -> None:
    at = START + timedelta(days=2)
    post = await world.create(world.twitter, world.bluesky, schedule_at=at)
    assert post.status is PostStatus.SCHEDULED and post.scheduled_at == at
    assert {t.next_attempt_at for t in post.targets} == {at}


async def test_next_slot_is_free_on_every_target_integration(world: World) -> None:
    await world.create(world.twitter, schedule_at=datetime(2026, 4, 17, 11, 0, tzinfo=UTC))
    await world.create(world.bluesky, schedule_at=datetime(2026, 4, 17, 12, 30, tzinfo=UTC))
    post = await world.create(world.twitter, world.bluesky, schedule_at=NEXT_SLOT)
    assert post.scheduled_at == datetime(2026, 4, 17, 14, 0, tzinfo=UTC)


async def test_concurrent_next_slots_never_share_an_hour(world: World) -> None:
    posts = await asyncio.gather(
        *(world.create(world.twitter, schedule_at=NEXT_SLOT) for _ in range(10))
    )
    times = sorted(p.scheduled_at for p in posts)
    assert all(b - a >= timedelta(hours=1) for a, b in itertools.pairwise(times))


async def test_no_free_slot_is_refused_and_stores_nothing(world: World) -> None:
    for hour in range(0, 7 * 24 + 1):
        at = datetime(2026, 4, 17, 11, 0, tzinfo=UTC) + timedelta(hours=hour)
        world.store.targets.append((world.twitter.id, at, "pending"))
    with pytest.raises(NoSlotAvailable):
        await world.create(world.twitter, schedule_at=NEXT_SLOT)
    assert world.store.posts == {}


@pytest.mark.parametrize("bad", ["not-a-uuid", str(uuid4())])
async def test_unknown_integrations_name_their_index(world: World, bad: str) -> None:
    with pytest.raises(IntegrationNotFound) as error:
        await world.create(world.twitter, bad)
    assert error.value.details["field"] == "integrations[1]"
    assert world.store.posts == {}


async def test_a_foreign_integration_is_not_found(world: World) -> None:
    other = await World(store=world.store).setup()
    with pytest.raises(IntegrationNotFound):
        await world.create(other.twitter)


async def test_disconnected_integrations_are_refused_needs_refresh_accepted(world: World) -> None:
    bluesky = await world.integration(world.bluesky)
    bluesky.disconnect(START)
    twitter = await world.integration(world.twitter)
    twitter.credentials_rejected(twitter.status_reason or "token_revoked", START)  # type: ignore[arg-type]
    async with world.uow() as uow:
        await uow.integrations.save(bluesky)
        await uow.integrations.save(twitter)
        await uow.commit()
    assert (await world.create(world.twitter)).status is PostStatus.DRAFT
    with pytest.raises(TargetIntegrationDisconnected) as error:
        await world.create(world.twitter, world.bluesky)
    assert error.value.details["field"] == "integrations[1]"


async def test_the_integration_list_is_checked(world: World) -> None:
    with pytest.raises(InvalidPostTargets) as twice:
        await world.create(world.twitter, world.twitter)
    assert twice.value.details["field"] == "integrations[1]"
    with pytest.raises(InvalidPostTargets) as empty:
        command = CreatePostCommand(world.workspace_id, "hi", [])
        await CreatePost(world.uow(), world.ids, world.clock).execute(command)
    assert empty.value.details["field"] == "integrations"


async def test_content_too_long_for_one_target_platform_is_refused(world: World) -> None:
    text = "a" * 290
    assert (await world.create(world.bluesky, content=text)).status is PostStatus.DRAFT
    with pytest.raises(ContentTooLong):
        await world.create(world.twitter, world.bluesky, content=text)
    overrides = {Platform.TWITTER: "short for X"}
    post = await world.create(world.twitter, world.bluesky, content=text, overrides=overrides)
    assert [t.content for t in post.targets] == ["short for X", text]


async def test_schedule_bounds_are_measured_at_receipt(world: World) -> None:
    with pytest.raises(InvalidPostInput):
        await world.create(schedule_at=START + timedelta(seconds=59))
    ok = await world.create(schedule_at=START + timedelta(seconds=60))
    assert ok.status is PostStatus.SCHEDULED


async def test_edits_apply_while_scheduled_and_next_slot_ignores_the_post_itself(
    world: World,
) -> None:
    post = await world.create(schedule_at=datetime(2026, 4, 17, 11, 0, tzinfo=UTC))
    world.clock.advance(30)
    edited = await world.update(
        post, content="new", tags=["a", "b"], reschedule=True, schedule_at=NEXT_SLOT
    )
    assert edited.scheduled_at == datetime(2026, 4, 17, 11, 0, tzinfo=UTC)
    assert (edited.content, edited.tags, edited.targets[0].content) == ("new", ("a", "b"), "new")
    assert edited.last_changed_at == START + timedelta(seconds=30)
    draft = await world.update(edited, reschedule=True, schedule_at=None)
    assert draft.status is PostStatus.DRAFT


async def test_a_refused_edit_changes_nothing(world: World) -> None:
    post = await world.create(schedule_at=START + timedelta(hours=2))
    with pytest.raises(ContentTooLong):
        await world.update(post, tags=["t"], reschedule=True, schedule_at=None, content="x" * 300)
    assert await world.stored(post) == post


async def test_cancel_only_while_draft_or_scheduled(world: World) -> None:
    draft = await world.create()
    assert (await world.cancel(draft)).status is PostStatus.CANCELED
    post = await world.create(world.twitter, world.bluesky, schedule_at=START + timedelta(hours=1))
    world.clock.advance(timedelta(hours=1))
    async with world.uow() as uow:
        await uow.publish_queue.claim_due(world.clock.now(), LEASE, 1)
        await uow.commit()
    with pytest.raises(PostNotCancelable):
        await world.cancel(post)
    with pytest.raises(PostNotEditable):
        await world.update(post, content="late")


async def test_get_and_cancel_are_scoped_to_the_workspace(world: World) -> None:
    post = await world.create()
    other = await World(store=world.store).setup()
    with pytest.raises(NotFound):
        await GetPost(world.uow()).execute(other.workspace_id, post.id)
    with pytest.raises(NotFound):
        await other.cancel(post)
    assert (await GetPost(world.uow()).execute(world.workspace_id, post.id)) == post


async def test_lists_newest_first_with_filters_and_a_cursor(world: World) -> None:
    made = []
    for n in range(5):
        target = world.twitter if n % 2 == 0 else world.bluesky
        made.append(await world.create(target, schedule_at=START + timedelta(hours=n + 1)))
        world.clock.advance(1)
    await world.cancel(made[0])
    list_posts = ListPosts(world.uow)

    async def ids(**kw):
        page = await list_posts.execute(ListPostsQuery(world.workspace_id, **kw))
        return [p.id for p in page.items], page.has_more

    newest_first = [p.id for p in reversed(made)]
    assert await ids() == (newest_first, False)
    assert await ids(limit=2) == (newest_first[:2], True)
    assert await ids(limit=2, starting_after=newest_first[1]) == (newest_first[2:4], True)
    assert await ids(status=PostStatus.CANCELED) == ([made[0].id], False)
    assert await ids(status=PostStatus.SCHEDULED) == (newest_first[:4], False)
    assert await ids(integration_id=world.bluesky.id) == ([made[3].id, made[1].id], False)
    with pytest.raises(InvalidCursor):
        await ids(starting_after=uuid4())
