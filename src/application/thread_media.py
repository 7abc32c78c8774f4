"""A thread's parts may attach only media of the post's own workspace, and each part's
media must be what its platform takes in one post (`domain.media_rules`: count, kinds,
video length), as for a single post; a refusal names the part (`thread_parts[1].media`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from uuid import UUID

from application.ports.unit_of_work import UnitOfWork
from domain.errors import InvalidMediaInput, InvalidPostInput
from domain.media import Media
from domain.media_rules import check_media_for
from domain.platform import Platform
from domain.thread import PartSpec, ThreadSettings


async def check_part_media(
    uow: UnitOfWork, workspace_id: UUID, settings: ThreadSettings, platforms: Collection[Platform]
) -> None:
    """Every media id in every part names media of `workspace_id`, once per part (the first
    that does not is refused by its field, `thread_parts[1].media[0]`); then each target
    platform's parts are checked against its rules."""
    named = [("thread_parts", settings.parts)] + [
        (f"platform_overrides.{platform.value}.thread_parts", parts)
        for platform, parts in settings.part_overrides.items()
    ]
    wanted = {m for _, parts in named for part in parts for m in part.media}
    if not wanted:
        return
    found = {media.id: media for media in await uow.media.get_many(workspace_id, wanted)}
    for prefix, parts in named:
        _check_known(prefix, parts, found)
    for platform in platforms:
        if platform in settings.part_overrides:
            prefix = f"platform_overrides.{platform.value}.thread_parts"
            parts = settings.part_overrides[platform]
        elif settings.parts:
            prefix, parts = "thread_parts", settings.parts
        else:
            continue
        for index, part in enumerate(parts):
            media = [found[m] for m in part.media]
            check_media_for(platform, media, f"{prefix}[{index}].media")


def _check_known(prefix: str, parts: tuple[PartSpec, ...], known: Mapping[UUID, Media]) -> None:
    for index, part in enumerate(parts):
        for position, media_id in enumerate(part.media):
            field = f"{prefix}[{index}].media[{position}]"
            if media_id not in known:
                raise InvalidPostInput(field, "no media with that id in this workspace")
            if media_id in part.media[:position]:
                raise InvalidMediaInput(field, "names a media twice")
