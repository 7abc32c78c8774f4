"""A post with media refuses, before anything is stored, an X account connected without
`media.write`; without media, or with media only for other platforms, it posts as before."""

from __future__ import annotations

import pytest

from domain.errors import MediaScopeMissing
from domain.integration import IntegrationWarning
from domain.media import Media
from domain.platform import Platform
from tests.support.media import stored_media
from tests.unit.application.posts_world import World


@pytest.fixture
async def world() -> World:
    world = await World().setup()
    assert world.twitter is not None
    world.twitter.warnings = (IntegrationWarning.MEDIA_SCOPE_MISSING,)
    async with world.uow() as uow:
        await uow.integrations.save(world.twitter)
        await uow.commit()
    return world


@pytest.fixture
async def image(world: World) -> Media:
    media = await stored_media(world.media_store, world.workspace_id, b"png")
    async with world.uow() as uow:
        await uow.media.add(media)
        await uow.commit()
    return media


async def test_media_for_an_account_without_the_scope_is_refused_and_nothing_stored(
    world: World, image: Media
) -> None:
    with pytest.raises(MediaScopeMissing) as refused:
        await world.create(world.bluesky, world.twitter, media=[image.id])
    assert refused.value.details["field"] == "integrations[1]"
    assert world.store.posts == {}


async def test_the_same_account_posts_text_and_others_get_the_media(
    world: World, image: Media
) -> None:
    await world.create(world.twitter)
    await world.create(
        world.twitter, world.bluesky, media_overrides={Platform.BLUESKY: [image.id]}
    )
    assert len(world.store.posts) == 2


async def test_adding_media_to_a_post_for_that_account_is_refused(
    world: World, image: Media
) -> None:
    post = await world.create(world.twitter)
    with pytest.raises(MediaScopeMissing):
        await world.update(post, media=[image.id])
    assert (await world.stored(post)).media == ()


async def test_giving_that_account_its_own_media_on_an_edit_is_refused(
    world: World, image: Media
) -> None:
    post = await world.create(world.twitter, world.bluesky)
    await world.update(post, media_overrides={Platform.BLUESKY: [image.id]})
    with pytest.raises(MediaScopeMissing):
        await world.update(post, media_overrides={Platform.TWITTER: [image.id]})
    stored = await world.stored(post)
    assert stored.media_overrides == {Platform.BLUESKY: (image.id,)}
