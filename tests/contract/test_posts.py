"""PostRepository and PublishQueue contract, on memory, SQLite and PostgreSQL: posts read
back whole, lists order and filter by the derived status exactly as the entity derives it,
claims are exclusive, and locks serialize."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID, uuid4

from application.ports.posts import PostFilter
from domain.outcomes import Failed, Published
from domain.platform import Platform
from domain.post import Post, PostStatus, TargetSpec
from domain.post_target import TargetStatus
from tests.contract.builders import committed_integration, committed_workspace
from tests.contract.conftest import START, Backend, SqlBackend
from tests.contract.races import second_waits_for_first

LEASE = timedelta(minutes=2)


async def _world(backend: Backend) -> tuple[UUID, list[UUID]]:
    workspace = await committed_workspace(backend())
    twitter = await committed_integration(backend(), workspace.id)
    bluesky = await committed_integration(backend(), workspace.id, platform=Platform.BLUESKY)
    return workspace.id, [twitter.id, bluesky.id]


def a_post(workspace_id: UUID, integrations: list[UUID], *, at=None, minutes: int = 0) -> Post:
    platforms = [Platform.TWITTER, Platform.BLUESKY]
    specs = [
        TargetSpec(tid, i, p)
        for tid, i, p in zip(
            sorted(uuid4() for _ in integrations), integrations, platforms, strict=False
        )
    ]
    return Post.create(
        id=uuid4(),
        workspace_id=workspace_id,
        content="hello",
        targets=specs,
        now=START + timedelta(minutes=minutes, microseconds=123),
        scheduled_at=at,
        overrides={Platform.BLUESKY: "sky"},
        tags=("a", "b"),
    )


async def _add(backend: Backend, *posts: Post) -> None:
    async with backend() as uow:
        for post in posts:
            await uow.posts.add(post)
        await uow.commit()


async def test_a_post_reads_back_whole(uow_factory: Backend) -> None:
    workspace, integrations = await _world(uow_factory)
    post = a_post(workspace, integrations, at=START + timedelta(hours=2))
    await _add(uow_factory, post)
    async with uow_factory() as uow:
        assert await uow.posts.get(workspace, post.id) == post
        assert await uow.posts.get_any(post.id) == post
        assert await uow.posts.get(uuid4(), post.id) is None


async def test_save_writes_the_post_and_its_targets(uow_factory: Backend) -> None:
    workspace, integrations = await _world(uow_factory)
    post = a_post(workspace, integrations, at=START + timedelta(hours=2))
    await _add(uow_factory, post)
    now = START + timedelta(hours=2)
    post.claim(post.targets[0].id, now, LEASE)
    post.record(post.targets[0].id, Published("42", "https://x.test/42"), now)
    post.claim(post.targets[1].id, now, LEASE)
    post.record(post.targets[1].id, Failed("content_rejected", "no"), now)
    async with uow_factory() as uow:
        await uow.posts.save(post)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.posts.get_any(post.id) == post


async def _posts_in_every_status(backend: Backend) -> tuple[UUID, list[UUID], list[Post]]:
    workspace, integrations = await _world(backend)
    at = START + timedelta(hours=1)
    posts = [a_post(workspace, integrations, at=at, minutes=n) for n in range(7)]
    posts[0] = a_post(workspace, integrations, minutes=0)  # draft
    posts[1].cancel(START)
    now = at
    posts[3].claim(posts[3].targets[0].id, now, LEASE)  # publishing
    for post, outcomes in ((posts[4], ["ok", "ok"]), (posts[5], ["ok", "ko"])):
        for target, outcome in zip(post.targets, outcomes, strict=True):
            post.claim(target.id, now, LEASE)
            result = Published("1", "u") if outcome == "ok" else Failed("x", "y")
            post.record(target.id, result, now)
    posts[6] = a_post(workspace, integrations[:1], at=at, minutes=6)  # one target, scheduled
    await _add(backend, *posts)
    return workspace, integrations, posts


async def test_lists_filter_on_the_derived_status(uow_factory: Backend) -> None:
    workspace, _, posts = await _posts_in_every_status(uow_factory)
    newest_first = sorted(posts, key=lambda p: (p.created_at, p.id), reverse=True)
    async with uow_factory() as uow:
        everything = await uow.posts.list(PostFilter(workspace), 50)
        assert [p.id for p in everything] == [p.id for p in newest_first]
        for status in PostStatus:
            found = await uow.posts.list(PostFilter(workspace, status), 50)
            assert [p.id for p in found] == [p.id for p in newest_first if p.status is status]
            assert all(p.status is status for p in found)


async def test_lists_filter_on_an_integration_and_page(uow_factory: Backend) -> None:
    workspace, integrations, posts = await _posts_in_every_status(uow_factory)
    newest_first = sorted(posts, key=lambda p: (p.created_at, p.id), reverse=True)
    async with uow_factory() as uow:
        bluesky = await uow.posts.list(PostFilter(workspace, integration_id=integrations[1]), 50)
        assert posts[6].id not in {p.id for p in bluesky} and len(bluesky) == 6
        page = await uow.posts.list(PostFilter(workspace), 2, newest_first[1])
        assert [p.id for p in page] == [p.id for p in newest_first[2:4]]
        assert await uow.posts.list(PostFilter(uuid4()), 50) == []


async def test_claims_take_due_pending_targets_earliest_first(uow_factory: Backend) -> None:
    workspace, integrations = await _world(uow_factory)
    early = a_post(workspace, integrations[:1], at=START + timedelta(hours=1))
    late = a_post(workspace, integrations[:1], at=START + timedelta(hours=2))
    draft = a_post(workspace, integrations[:1])
    canceled = a_post(workspace, integrations[:1], at=START + timedelta(hours=1))
    canceled.cancel(START)
    await _add(uow_factory, late, early, draft, canceled)
    now = START + timedelta(hours=3)
    async with uow_factory() as uow:
        claimed = await uow.publish_queue.claim_due(now, LEASE, 1)
        await uow.commit()
    assert [(c.post_id, c.attempts, c.content) for c in claimed] == [(early.id, 1, "hello")]
    async with uow_factory() as uow:
        target = (await uow.posts.get_any(early.id)).targets[0]
        assert (target.status, target.lease_expires_at) == (TargetStatus.PUBLISHING, now + LEASE)
        rest = await uow.publish_queue.claim_due(now, LEASE, 10)
        await uow.commit()
    assert [c.post_id for c in rest] == [late.id]
    async with uow_factory() as uow:
        assert await uow.publish_queue.claim_due(now, LEASE, 10) == []
        assert await uow.publish_queue.expired_leases(now + LEASE - timedelta(seconds=1), 9) == []
        expired = await uow.publish_queue.expired_leases(now + LEASE, 9)
    assert sorted(expired) == sorted((p.id, p.targets[0].id) for p in (early, late))


async def test_overlapping_claims_never_share_a_target(sql_backend: SqlBackend) -> None:
    sql = sql_backend
    workspace, integrations = await _world(sql)
    posts = [a_post(workspace, integrations, at=START + timedelta(hours=1)) for _ in range(30)]
    await _add(sql, *posts)
    now = START + timedelta(hours=2)

    async def claim(n: int) -> list[UUID]:
        uow = sql() if n % 2 else sql.from_another_process()
        async with uow:
            claimed = await uow.publish_queue.claim_due(now, LEASE, 7)
            await asyncio.sleep(0.01)
            await uow.commit()
        return [c.target_id for c in claimed]

    batches = await asyncio.gather(*(claim(n) for n in range(12)))
    every = [t for batch in batches for t in batch]
    assert len(every) == len(set(every)) == 60


async def test_for_update_serializes_edits_of_one_post(sql_backend: SqlBackend) -> None:
    workspace, integrations = await _world(sql_backend)
    post = a_post(workspace, integrations, at=START + timedelta(hours=1))
    await _add(sql_backend, post)

    async def lock(uow):
        return await uow.posts.get(workspace, post.id, for_update=True)

    async def cancel(uow):
        found = await uow.posts.get(workspace, post.id)
        found.cancel(START)
        await uow.posts.save(found)

    seen = await second_waits_for_first(sql_backend, lock, cancel, lock)
    assert seen.status is PostStatus.CANCELED


async def test_holding_integrations_serializes_reservations(sql_backend: SqlBackend) -> None:
    workspace, integrations = await _world(sql_backend)
    at = START + timedelta(hours=1)

    async def hold(uow):
        await uow.busy_times.hold(integrations)

    async def reserve(uow):
        await uow.posts.add(a_post(workspace, integrations, at=at))

    async def busy(uow):
        return await uow.busy_times.busy_times(integrations[0], START, at + timedelta(hours=1))

    assert await second_waits_for_first(sql_backend, hold, reserve, busy) == [at]


async def test_get_many_reads_each_post_whole_and_skips_unknown_ids(uow_factory: Backend) -> None:
    workspace, integrations = await _world(uow_factory)
    other_workspace, other_integrations = await _world(uow_factory)
    posts = [
        a_post(workspace, integrations, at=START + timedelta(hours=1)),
        a_post(workspace, integrations[:1]),
        a_post(other_workspace, other_integrations, at=START + timedelta(hours=2)),
    ]
    await _add(uow_factory, *posts)
    async with uow_factory() as uow:
        found = await uow.posts.get_many([p.id for p in posts] + [uuid4()], for_update=True)
        assert await uow.posts.get_many([]) == []
    assert sorted(found, key=lambda p: p.id) == sorted(posts, key=lambda p: p.id)


async def test_save_many_writes_every_post_and_target(uow_factory: Backend) -> None:
    workspace, integrations = await _world(uow_factory)
    at = START + timedelta(hours=1)
    posts = [a_post(workspace, integrations, at=at) for _ in range(3)]
    untouched = a_post(workspace, integrations, at=at)
    await _add(uow_factory, *posts, untouched)
    now = at + timedelta(seconds=5)
    for n, post in enumerate(posts):
        for target in post.targets:
            post.claim(target.id, now, LEASE)
            post.record(target.id, Published(f"{n}-{target.platform}", "u"), now)
    async with uow_factory() as uow:
        await uow.posts.save_many(posts)
        await uow.posts.save_many([])
        await uow.commit()
    async with uow_factory() as uow:
        for post in posts:
            assert await uow.posts.get_any(post.id) == post
        assert await uow.posts.get_any(untouched.id) == untouched


async def test_get_many_for_update_serializes_with_an_edit(sql_backend: SqlBackend) -> None:
    workspace, integrations = await _world(sql_backend)
    posts = [a_post(workspace, integrations, at=START + timedelta(hours=1)) for _ in range(2)]
    await _add(sql_backend, *posts)

    async def lock(uow):
        return await uow.posts.get_many([p.id for p in posts], for_update=True)

    async def cancel_second(uow):
        found = await uow.posts.get(workspace, posts[1].id)
        found.cancel(START)
        await uow.posts.save(found)

    seen = await second_waits_for_first(sql_backend, lock, cancel_second, lock)
    assert {p.id: p.status for p in seen}[posts[1].id] is PostStatus.CANCELED
