"""A thread's parts may attach only media of the post's own workspace."""

from __future__ import annotations

from uuid import UUID

from application.ports.unit_of_work import UnitOfWork
from domain.errors import InvalidPostInput
from domain.thread import PartSpec, ThreadSettings


async def check_part_media(uow: UnitOfWork, workspace_id: UUID, settings: ThreadSettings) -> None:
    """Every media id in every part names media of `workspace_id`; the first that does not
    is refused by its field (`thread_parts[1].media[0]`)."""
    named = [("thread_parts", settings.parts)] + [
        (f"platform_overrides.{platform.value}.thread_parts", parts)
        for platform, parts in settings.part_overrides.items()
    ]
    wanted = {m for _, parts in named for part in parts for m in part.media}
    if not wanted:
        return
    known = {media.id for media in await uow.media.get_many(workspace_id, wanted)}
    for prefix, parts in named:
        _check(prefix, parts, known)


def _check(prefix: str, parts: tuple[PartSpec, ...], known: set[UUID]) -> None:
    for index, part in enumerate(parts):
        for position, media_id in enumerate(part.media):
            if media_id not in known:
                field = f"{prefix}[{index}].media[{position}]"
                raise InvalidPostInput(field, "no media with that id in this workspace")
