"""The media a post names, loaded from the caller's workspace: an id that names nothing
there (another workspace's included, or no UUID) or that is named twice is refused."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID

from application.ports.unit_of_work import UnitOfWork
from domain.errors import InvalidMediaInput
from domain.media import Media
from domain.platform import Platform

MAX_MEDIA = 10


async def load_media(
    uow: UnitOfWork, workspace_id: UUID, values: Sequence[UUID | str], field: str
) -> list[Media]:
    if len(values) > MAX_MEDIA:
        raise InvalidMediaInput(field, f"name at most {MAX_MEDIA} media")
    ids: list[UUID] = []
    for index, value in enumerate(values):
        try:
            parsed = value if isinstance(value, UUID) else UUID(value)
        except ValueError:
            raise InvalidMediaInput(
                f"{field}[{index}]", "no such media in this workspace"
            ) from None
        if parsed in ids:
            raise InvalidMediaInput(f"{field}[{index}]", "names a media twice")
        ids.append(parsed)
    found = {m.id: m for m in await uow.media.get_many(workspace_id, ids)}
    for index, media_id in enumerate(ids):
        if media_id not in found:
            raise InvalidMediaInput(f"{field}[{index}]", "no such media in this workspace")
    return [found[i] for i in ids]


async def load_media_overrides(
    uow: UnitOfWork, workspace_id: UUID, values: Mapping[Platform, Sequence[UUID | str]]
) -> dict[Platform, list[Media]]:
    return {
        platform: await load_media(
            uow, workspace_id, ids, f"platform_overrides.{platform.value}.media"
        )
        for platform, ids in values.items()
    }
