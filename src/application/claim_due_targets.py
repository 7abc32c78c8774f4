from collections import defaultdict
from dataclasses import replace
from datetime import timedelta
from uuid import UUID

from application.ports.clock import Clock
from application.ports.publish_queue import ClaimedTarget, PublishContext
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.media import Media


class ClaimDueTargets:
    """Takes up to `limit` due targets for this worker, leased for `lease`
    (PUBLISH_LEASE_S). The claim is committed before any of them is sent.

    In the same transaction it reads what each publish needs (integration, workspace mode,
    stored credentials): three reads for the whole claim instead of three per target. The
    publish acts on what was true at the claim, a few milliseconds before it sends, as it
    would on a read of its own just before sending; a disconnect that lands in between
    races the send either way."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, lease: timedelta) -> None:
        self.uow_factory, self.clock, self.lease = uow_factory, clock, lease

    async def execute(self, limit: int) -> list[ClaimedTarget]:
        if limit <= 0:
            return []
        now = self.clock.now()
        async with self.uow_factory() as uow:
            claimed = await uow.publish_queue.claim_due(now, self.lease, limit)
            contexts = await read_contexts(uow, claimed) if claimed else []
            await uow.commit()
        return [replace(c, context=ctx) for c, ctx in zip(claimed, contexts, strict=True)]


async def read_contexts(uow: UnitOfWork, claimed: list[ClaimedTarget]) -> list[PublishContext]:
    """What each of `claimed` needs to be published, in three reads however many there are,
    plus one per workspace whose targets carry media."""
    integration_ids = {c.integration_id for c in claimed}
    integrations = await uow.integrations.get_many(integration_ids)
    workspaces = await uow.workspaces.get_many({c.workspace_id for c in claimed})
    credentials = await uow.credentials.get_many(integration_ids)
    media = await _media(uow, claimed)
    modes = {workspace_id: w.mode for workspace_id, w in workspaces.items()}
    return [
        PublishContext(
            integrations.get(c.integration_id),
            modes.get(c.workspace_id),
            credentials.get(c.integration_id),
            tuple(media[m] for m in c.sent_media_ids if m in media),
        )
        for c in claimed
    ]


async def _media(uow: UnitOfWork, claimed: list[ClaimedTarget]) -> dict[UUID, Media]:
    """The media rows the targets attach, by id; a workspace's own media only."""
    wanted: dict[UUID, set[UUID]] = defaultdict(set)
    for c in claimed:
        wanted[c.workspace_id].update(c.sent_media_ids)
    found: dict[UUID, Media] = {}
    for workspace_id, ids in wanted.items():
        if ids:
            found.update({m.id: m for m in await uow.media.get_many(workspace_id, ids)})
    return found
