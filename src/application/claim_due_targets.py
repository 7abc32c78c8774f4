from dataclasses import replace
from datetime import timedelta

from application.ports.clock import Clock
from application.ports.publish_queue import ClaimedTarget, PublishContext
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory


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
    """What each of `claimed` needs to be published, in three reads however many there are."""
    integration_ids = {c.integration_id for c in claimed}
    integrations = await uow.integrations.get_many(integration_ids)
    workspaces = await uow.workspaces.get_many({c.workspace_id for c in claimed})
    credentials = await uow.credentials.get_many(integration_ids)
    modes = {workspace_id: w.mode for workspace_id, w in workspaces.items()}
    return [
        PublishContext(
            integrations.get(c.integration_id),
            modes.get(c.workspace_id),
            credentials.get(c.integration_id),
        )
        for c in claimed
    ]
