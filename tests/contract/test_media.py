"""MediaRepository contract on memory, SQLite and PostgreSQL: media reads back whole, is
scoped to its workspace, lists newest first with a cursor, and is "in use" exactly while a
draft, scheduled or publishing post attaches it (base list or a platform's own)."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

from domain.media import Media, MediaFacts, MediaKind, StoredBytes
from domain.outcomes import Published
from domain.platform import Platform
from domain.post import Post, TargetSpec
from tests.contract.builders import committed_integration, committed_workspace
from tests.contract.conftest import START, Backend

LEASE = timedelta(minutes=2)


def a_media(workspace_id: UUID, *, minutes: int = 0, kind: MediaKind = MediaKind.VIDEO) -> Media:
    return Media.create(
        id=uuid4(),
        workspace_id=workspace_id,
        facts=MediaFacts(kind, "video/mp4", 1280, 720, 12_345),
        stored=StoredBytes(5_000_000_000, "0f" * 32),
        alt_text="a cat ⛵",
        now=START + timedelta(minutes=minutes, microseconds=456),
    )


async def _add(backend: Backend, *items: Media) -> None:
    async with backend() as uow:
        for item in items:
            await uow.media.add(item)
        await uow.commit()


async def test_media_reads_back_whole_and_only_in_its_workspace(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    other = await committed_workspace(uow_factory())
    item = a_media(workspace.id)
    await _add(uow_factory, item)
    async with uow_factory() as uow:
        assert await uow.media.get(workspace.id, item.id) == item
        assert await uow.media.get(other.id, item.id) is None
        assert await uow.media.get_many(workspace.id, [item.id, uuid4()]) == [item]
        assert await uow.media.get_many(other.id, [item.id]) == []


async def test_alt_text_changes_are_saved(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    item = a_media(workspace.id)
    await _add(uow_factory, item)
    item.describe(None)
    async with uow_factory() as uow:
        await uow.media.save(item)
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.media.get(workspace.id, item.id)) == item


async def test_list_newest_first_with_a_cursor(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    items = [a_media(workspace.id, minutes=m) for m in (0, 1, 1, 2)]
    await _add(uow_factory, *items)
    expected = sorted(items, key=lambda m: (m.created_at, m.id), reverse=True)
    async with uow_factory() as uow:
        assert await uow.media.list(workspace.id, 10) == expected
        assert await uow.media.list(workspace.id, 2, expected[1]) == expected[2:4]


async def test_delete_removes_only_in_its_workspace(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    other = await committed_workspace(uow_factory())
    item = a_media(workspace.id)
    await _add(uow_factory, item)
    async with uow_factory() as uow:
        await uow.media.delete(other.id, item.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.media.get(workspace.id, item.id) is not None
        await uow.media.delete(workspace.id, item.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.media.get(workspace.id, item.id) is None


async def _post_with(
    backend: Backend,
    workspace_id: UUID,
    *,
    media: tuple[UUID, ...] = (),
    bluesky_media: tuple[UUID, ...] | None = None,
) -> Post:
    integration = await committed_integration(backend(), workspace_id)
    post = Post.create(
        id=uuid4(),
        workspace_id=workspace_id,
        content="hello",
        targets=[TargetSpec(uuid4(), integration.id, Platform.TWITTER)],
        now=START,
    )
    post.media = media
    if bluesky_media is not None:
        post.media_overrides = {Platform.BLUESKY: bluesky_media}
    async with backend() as uow:
        await uow.posts.add(post)
        await uow.commit()
    return post


async def _in_use(backend: Backend, workspace_id: UUID, media_id: UUID) -> bool:
    async with backend() as uow:
        return await uow.media.in_use(workspace_id, media_id)


async def test_media_is_in_use_while_a_live_post_attaches_it(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    base, override, unused = uuid4(), uuid4(), uuid4()
    draft = await _post_with(uow_factory, workspace.id, media=(base,), bluesky_media=(override,))
    async with uow_factory() as uow:
        assert (await uow.posts.get(workspace.id, draft.id)) == draft
    assert await _in_use(uow_factory, workspace.id, base)
    assert await _in_use(uow_factory, workspace.id, override)
    assert not await _in_use(uow_factory, workspace.id, unused)
    other = await committed_workspace(uow_factory())
    assert not await _in_use(uow_factory, other.id, base)


async def test_a_canceled_or_finished_post_releases_its_media(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    canceled_media, published_media, publishing_media = uuid4(), uuid4(), uuid4()
    canceled = await _post_with(uow_factory, workspace.id, media=(canceled_media,))
    published = await _post_with(uow_factory, workspace.id, media=(published_media,))
    publishing = await _post_with(uow_factory, workspace.id, media=(publishing_media,))
    later = START + timedelta(minutes=5)
    canceled.cancel(later)
    for post in (published, publishing):
        post.reschedule(START + timedelta(hours=1), START)
        post.claim(post.targets[0].id, START + timedelta(hours=1), LEASE)
    published.record(published.targets[0].id, Published("1", "https://x.test/1"), later)
    async with uow_factory() as uow:
        await uow.posts.save_many([canceled, published, publishing])
        await uow.commit()
    assert not await _in_use(uow_factory, workspace.id, canceled_media)
    assert not await _in_use(uow_factory, workspace.id, published_media)
    assert await _in_use(uow_factory, workspace.id, publishing_media)
