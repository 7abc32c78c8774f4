"""Records what came of publishes: the post entity decides each outcome (`Post.record`),
the events it causes go to the outbox in the same transaction, and a late outcome the post
refuses is logged and skipped.

Outcomes given together share one transaction. Gathering the outcomes that arrive at
about the same time into such groups is a speed-up chosen in the composition root
(`adapters/decorators/outcomes.py`), not part of the rule."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from application.ports.clock import Clock
from application.ports.outcomes import OutcomeRecorder
from application.ports.publish_queue import ClaimedTarget
from application.ports.unit_of_work import UnitOfWorkFactory
from application.webhook_events import target_events
from domain.errors import IllegalTransition
from domain.outcomes import Outcome

log = logging.getLogger("openpost.publisher")


class RecordOutcomes(OutcomeRecorder):
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory, self.clock = uow_factory, clock

    async def record(self, claimed: ClaimedTarget, outcome: Outcome) -> None:
        """A caller cancelled meanwhile (a worker's shutdown grace running out) still waits
        for the write, then the cancellation goes through: what the platform answered is
        known by then, and dropping it would let a published post expire into
        `outcome_unknown`."""
        write = asyncio.ensure_future(self.record_all([(claimed, outcome)]))
        try:
            await asyncio.shield(write)
        except asyncio.CancelledError:
            if not write.done():
                await write
            raise

    async def record_all(self, outcomes: Sequence[tuple[ClaimedTarget, Outcome]]) -> None:
        now = self.clock.now()
        async with self.uow_factory() as uow:
            posts = await uow.posts.get_many({c.post_id for c, _ in outcomes}, for_update=True)
            by_id = {post.id: post for post in posts}
            changed = {}
            for claimed, outcome in outcomes:
                post = by_id.get(claimed.post_id)
                if post is None:
                    continue
                target_id = claimed.target_id
                before = post.target(target_id).status
                try:
                    post.record(target_id, outcome, now)
                except IllegalTransition:
                    log.warning("late outcome for target %s ignored", target_id)
                    continue
                changed[post.id] = post
                await uow.outbox.record(*target_events(post, target_id, before, now))
            if changed:
                await uow.posts.save_many(list(changed.values()))
                await uow.commit()
