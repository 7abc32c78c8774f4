"""Threads in the PostRepository contract (memory, SQLite, PostgreSQL): a thread's settings
and every target's parts read back whole, and a part's progress is saved."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from domain.platform import Platform
from domain.post import Post, TargetSpec
from domain.thread import PartSpec, PostType, ThreadSettings
from tests.contract.builders import committed_integration, committed_workspace
from tests.contract.conftest import START, Backend


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
