"""Threads in the PostRepository contract (memory, SQLite, PostgreSQL): a thread's settings
and every target's parts read back whole, and a part's progress is saved, alone, and
written without reading its target while under the claim that sent it."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from uuid import uuid4

import pytest
from sqlalchemy import select

from adapters.persistence.sqlalchemy.part_writer import SqlitePartWriter
from adapters.persistence.sqlalchemy.tables import post_targets, posts
from application.ports.posts import PartProgress
from application.ports.publish_queue import ClaimedTarget
from application.record_outcomes import RecordOutcomes
from domain.outcomes import PartPublished
from domain.platform import Platform
from domain.post import Post, TargetSpec
from domain.post_part import PartStatus
from domain.post_target import PostTarget
from domain.thread import PartSpec, PostType, ThreadSettings
from tests.contract.builders import committed_integration, committed_workspace
from tests.contract.conftest import START, Backend, SqlBackend

LEASE = timedelta(minutes=2)
WAIT_AT_MOST_S = 10  # a bound on a hang, not a timing: without the fix it waits forever


async def a_thread(backend: Backend) -> Post:
    workspace = await committed_workspace(backend())
    twitter = await committed_integration(backend(), workspace.id)
    bluesky = await committed_integration(backend(), workspace.id, platform=Platform.BLUESKY)
    media = uuid4()
    settings = ThreadSettings(
        parts=(PartSpec("one", (media,)), PartSpec("two")),
        part_overrides={
            Platform.BLUESKY: (PartSpec("sky one"), PartSpec("sky two"), PartSpec("3"))
        },
        reply_to={Platform.TWITTER: "https://x.com/a/status/1460323737035677698"},
        quote_of={Platform.BLUESKY: "at://did:plc:abc/app.bsky.feed.post/3k2yihcrp6f2c"},
        link_preview=False,
        link_preview_overrides={Platform.BLUESKY: True},
        langs=("en", "pt-BR"),
    )
    first, second = sorted((uuid4(), uuid4()))  # targets read back in id order
    post = Post.create(
        id=uuid4(),
        workspace_id=workspace.id,
        content="",
        targets=[
            TargetSpec(first, twitter.id, Platform.TWITTER),
            TargetSpec(second, bluesky.id, Platform.BLUESKY),
        ],
        now=START,
        scheduled_at=START + timedelta(hours=2),
        thread=settings,
    )
    async with backend() as uow:
        await uow.posts.add(post)
        await uow.commit()
    return post


async def test_a_thread_reads_back_whole(uow_factory: Backend) -> None:
    post = await a_thread(uow_factory)
    async with uow_factory() as uow:
        found = await uow.posts.get_any(post.id)
    assert found == post
    assert found is not None and found.post_type is PostType.THREAD
    assert [len(t.parts) for t in found.targets] == [2, 3]


async def test_a_part_s_progress_is_saved(uow_factory: Backend) -> None:
    post = await a_thread(uow_factory)
    post.targets[1].parts[0].published("at://did:plc:abc/app.bsky.feed.post/1", "https://b", "bafy")
    post.targets[1].parts[1].failed()
    post.targets[1].parts[2].skipped()
    async with uow_factory() as uow:
        await uow.posts.save(post)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.posts.get_any(post.id)
    assert found is not None and found.targets[1].parts == post.targets[1].parts


async def test_a_target_s_progress_is_saved_alone(uow_factory: Backend) -> None:
    """`save_targets` writes the target's own row: a change made meanwhile to its post or to
    the post's other target stays."""
    post = await a_thread(uow_factory)
    sky = post.targets[1]
    async with uow_factory() as uow:
        [target] = await uow.posts.get_targets([sky.id], for_update=True)
    assert target == sky
    async with uow_factory() as uow:
        edited = await uow.posts.get_any(post.id, for_update=True)
        assert edited is not None
        edited.retag(["meanwhile"], START)
        edited.targets[0].parts[0].failed()
        await uow.posts.save(edited)
        await uow.commit()
    target.parts[0].published("at://did:plc:abc/app.bsky.feed.post/1", "https://b", "bafy")
    async with uow_factory() as uow:
        await uow.posts.save_targets([target])
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.posts.get_any(post.id)
    assert found is not None and found.tags == ("meanwhile",)
    assert found.targets[0].parts[0].status is PartStatus.FAILED
    assert found.targets[1].parts == target.parts


async def test_a_part_is_recorded_while_its_post_and_the_other_target_are_locked(
    uow_factory: Backend,
) -> None:
    """Many threads in flight: a part published locks and writes its own target's row only,
    so it never waits for a transaction holding the post or another target."""
    if not isinstance(uow_factory, SqlBackend) or not uow_factory.overlapping_units:
        pytest.skip("only PostgreSQL runs two transactions side by side")
    post = await a_thread(uow_factory)
    x, sky = post.targets
    claimed = ClaimedTarget(
        post.id, sky.id, post.workspace_id, sky.integration_id, sky.platform, sky.content, 1,
        parts=tuple(sky.parts), links=sky.links,
    )  # fmt: skip
    outcome = PartPublished(0, "at://did:plc:abc/app.bsky.feed.post/1", "https://b", "bafy", LEASE)
    async with uow_factory.second.connect() as holder:
        await holder.begin()
        for table, row in ((posts, post.id), (post_targets, x.id)):
            await holder.execute(select(table.c.id).where(table.c.id == row).with_for_update())
        recorder = RecordOutcomes(uow_factory, uow_factory.clock)
        await asyncio.wait_for(recorder.record(claimed, outcome), WAIT_AT_MOST_S)
        await holder.rollback()
    async with uow_factory() as uow:
        [target] = await uow.posts.get_targets([sky.id])
    assert target.parts[0].status is PartStatus.PUBLISHED and target.parts[0].cid == "bafy"
    assert target.platform_post_id == outcome.platform_post_id


async def _claimed_sky(backend: Backend) -> tuple[Post, PostTarget]:
    post = await a_thread(backend)
    async with backend() as uow:
        found = await uow.posts.get_any(post.id, for_update=True)
        assert found is not None
        found.targets[1].claim(START, LEASE)
        await uow.posts.save(found)
        await uow.commit()
    return found, found.targets[1]


def _progress(target: PostTarget, index: int, attempt: int | None = None) -> PartProgress:
    at = START + timedelta(seconds=index + 1)
    return PartProgress(
        target.id, target.attempts if attempt is None else attempt, index,
        f"at://did:plc:abc/app.bsky.feed.post/{index}", f"https://b/{index}",
        None if index else "bafy", at + LEASE, at,
    )  # fmt: skip


async def test_a_part_s_progress_is_written_without_reading_the_target(
    uow_factory: Backend,
) -> None:
    """`write_parts` leaves the target as the entity recording the same parts would."""
    post, sky = await _claimed_sky(uow_factory)
    steps = [_progress(sky, 0), _progress(sky, 2)]
    async with uow_factory() as uow:
        assert await uow.posts.write_parts(steps[:1]) == {sky.id}
        assert await uow.posts.write_parts(steps[1:]) == {sky.id}
        await uow.commit()
    for step in steps:
        outcome = PartPublished(step.index, step.platform_post_id, step.url, step.cid, LEASE)
        sky.record(outcome, step.at)
    async with uow_factory() as uow:
        found = await uow.posts.get_any(post.id)
    assert found is not None and found.targets[1] == sky
    assert found.targets[0] == post.targets[0]
    assert sky.platform_post_id == steps[0].platform_post_id, "the first part's, not the last"
    assert [p.status for p in sky.parts] == [
        PartStatus.PUBLISHED, PartStatus.PENDING, PartStatus.PUBLISHED
    ]  # fmt: skip


async def test_a_part_s_progress_is_not_written_outside_its_claim(uow_factory: Backend) -> None:
    """Another attempt's part, a target no longer publishing, a part it does not store: not
    written, left to the entity."""
    post, sky = await _claimed_sky(uow_factory)
    async with uow_factory() as uow:
        stale = [_progress(sky, 0, attempt=sky.attempts - 1), _progress(sky, 3)]
        assert await uow.posts.write_parts(stale) == set()
        x = post.targets[0]
        assert await uow.posts.write_parts([_progress(x, 0)]) == set(), "x is pending"
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.posts.get_any(post.id)
    assert found == post


async def test_of_parts_written_together_only_those_under_their_claim_apply(
    uow_factory: Backend,
) -> None:
    post, sky = await _claimed_sky(uow_factory)
    async with uow_factory() as uow:
        mixed = [_progress(sky, 0, attempt=sky.attempts + 1), _progress(sky, 1)]
        assert await uow.posts.write_parts(mixed) == {sky.id}
        await uow.commit()
    step = mixed[1]
    sky.record(PartPublished(1, step.platform_post_id, step.url, step.cid, LEASE), step.at)
    async with uow_factory() as uow:
        found = await uow.posts.get_any(post.id)
    assert found is not None and found.targets[1] == sky
    assert found.targets[1].parts[0].status is PartStatus.PENDING


def _sqlite(backend: Backend) -> SqlBackend:
    if not isinstance(backend, SqlBackend) or backend.kind != "sqlite":
        pytest.skip("the part writer is SQLite's")
    return backend


async def test_the_sqlite_part_writer_writes_as_the_repository_does(uow_factory: Backend) -> None:
    """In one trip to the driver's thread, and to the same values as `write_parts`."""
    backend = _sqlite(uow_factory)
    post, sky = await _claimed_sky(backend)
    steps = [_progress(sky, 0), _progress(sky, 2)]
    writer = SqlitePartWriter(backend.engine)
    assert await writer.write_parts(steps[:1]) == {sky.id}
    assert await writer.write_parts(steps[1:]) == {sky.id}
    for step in steps:
        outcome = PartPublished(step.index, step.platform_post_id, step.url, step.cid, LEASE)
        sky.record(outcome, step.at)
    async with backend() as uow:
        found = await uow.posts.get_any(post.id)
    assert found is not None and found.targets[1] == sky
    assert found.targets[0] == post.targets[0]
    assert sky.platform_post_id == steps[0].platform_post_id, "the first part's, not the last"


async def test_the_sqlite_part_writer_leaves_parts_outside_their_claim(
    uow_factory: Backend,
) -> None:
    """Of a group, only the parts under their claim are written and named; the rest (another
    attempt's, a target not publishing, a part not stored) are left as they were."""
    backend = _sqlite(uow_factory)
    post, sky = await _claimed_sky(backend)
    x = post.targets[0]
    group = [
        _progress(sky, 0, attempt=sky.attempts + 1), _progress(sky, 1), _progress(sky, 3),
        _progress(x, 0),
    ]  # fmt: skip
    assert await SqlitePartWriter(backend.engine).write_parts(group) == {sky.id}
    step = group[1]
    sky.record(PartPublished(1, step.platform_post_id, step.url, step.cid, LEASE), step.at)
    async with backend() as uow:
        found = await uow.posts.get_any(post.id)
    assert found is not None and found.targets == [x, sky]
    assert [p.status for p in sky.parts] == [
        PartStatus.PENDING, PartStatus.PUBLISHED, PartStatus.PENDING
    ]  # fmt: skip


async def test_parts_the_writer_leaves_are_recorded_through_their_target(
    uow_factory: Backend,
) -> None:
    """Recording a group through the writer ends as recording it without: a part the writer
    does not apply (sent under an earlier attempt than the target's claim) still reaches
    its target, which decides."""
    backend = _sqlite(uow_factory)
    ends = []
    for writer in (SqlitePartWriter(backend.engine), None):
        post, sky = await _claimed_sky(backend)
        group = []
        for index, attempt in ((0, sky.attempts), (1, sky.attempts - 1)):
            claimed = ClaimedTarget(
                post.id, sky.id, post.workspace_id, sky.integration_id, sky.platform,
                sky.content, attempt, parts=tuple(sky.parts), links=sky.links,
            )  # fmt: skip
            pid = f"at://did:plc:abc/app.bsky.feed.post/{index}"
            group.append((claimed, PartPublished(index, pid, f"https://b/{index}", None, LEASE)))
        await RecordOutcomes(backend, backend.clock, writer).record_all(group)
        async with backend() as uow:
            [target] = await uow.posts.get_targets([sky.id])
        ends.append((target.status, target.platform_post_id, target.parts))
    assert ends[0] == ends[1]
    assert ends[0][2][0].status is PartStatus.PUBLISHED


async def test_the_sqlite_part_writer_waits_for_another_process_holding_the_lock(
    uow_factory: Backend,
) -> None:
    """The loop's own writer never waits for the lock; while another process holds it, the
    group goes to the driver's thread, which waits its turn, and is written all the same."""
    backend = _sqlite(uow_factory)
    _post, sky = await _claimed_sky(backend)
    path = backend.engine.url.database
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        write = asyncio.ensure_future(
            SqlitePartWriter(backend.engine).write_parts([_progress(sky, 0)])
        )
        for _ in range(20):
            await asyncio.sleep(0)
        assert not write.done(), "it must wait for the other process, not fail or skip"
        other.execute("COMMIT")
        assert await asyncio.wait_for(write, WAIT_AT_MOST_S) == {sky.id}
    finally:
        other.close()
    async with backend() as uow:
        [target] = await uow.posts.get_targets([sky.id])
    assert target.parts[0].status is PartStatus.PUBLISHED


async def test_the_sqlite_part_writer_beside_a_commit_other_units_wait_for(
    uow_factory: Backend,
) -> None:
    """Parts written while a unit waits for its group's COMMIT (the loop writer's
    transaction is open) go to the driver's thread, which waits for that COMMIT: both land,
    and each caller returns only once its writes are committed."""
    backend = _sqlite(uow_factory)
    _post, sky = await _claimed_sky(backend)
    writer = SqlitePartWriter(backend.engine)
    workspace, written = await asyncio.wait_for(
        asyncio.gather(committed_workspace(backend()), writer.write_parts([_progress(sky, 0)])),
        WAIT_AT_MOST_S,
    )
    assert written == {sky.id}
    async with backend() as uow:
        [target] = await uow.posts.get_targets([sky.id])
        assert await uow.workspaces.get(workspace.id) == workspace
    assert target.parts[0].status is PartStatus.PUBLISHED
