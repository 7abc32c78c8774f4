"""Records what came of publishes: the post target decides each outcome
(`PostTarget.record`, which is what `Post.record` does), the events it causes go to the
outbox in the same transaction, and a late outcome the target refuses is logged and
skipped.

Outcomes given together share one transaction. Gathering the outcomes that arrive at
about the same time into such groups is a speed-up chosen in the composition root
(`adapters/decorators/outcomes.py`), not part of the rule.

A thread's part published (`PartPublished`) changes only its own target (the part, the
target's first-part id, the lease): it is read, locked and written alone, never its post
nor the post's other targets, so many threads in flight do not wait on each other's rows,
and a group of parts costs one read and one write statement (in a transaction of its
own: every transaction then locks its rows in one ordered pass, targets then posts, so two
workers' groups never wait on each other in a cycle). Where the store has a cheaper way to
write parts (`PartWriter`), a group goes through it first, and only the parts it did not
write go through a unit of work."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from application.ports.clock import Clock
from application.ports.outcomes import OutcomeRecorder
from application.ports.posts import PartProgress, PartWriter
from application.ports.publish_queue import ClaimedTarget
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.webhook_events import target_change_events
from domain.errors import IllegalTransition
from domain.outcomes import Outcome, PartPublished
from domain.post_target import PostTarget
from domain.webhooks.events import EventDraft

log = logging.getLogger("openpost.publisher")


class RecordOutcomes(OutcomeRecorder):
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, parts: PartWriter | None = None
    ) -> None:
        """`parts`: writes parts' progress in transactions of their own (else a unit of
        work does)."""
        self.uow_factory, self.clock, self.parts = uow_factory, clock, parts

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
        parts = [(c, o) for c, o in outcomes if isinstance(o, PartPublished)]
        others = [(c, o) for c, o in outcomes if not isinstance(o, PartPublished)]
        if parts and self.parts is not None:
            written = await self.parts.write_parts([_progress(c, o, now) for c, o in parts])
            parts = [(c, o) for c, o in parts if c.target_id not in written]
        for chosen, record in ((parts, _record_parts), (others, _record_whole)):
            if chosen:
                async with self.uow_factory() as uow:
                    await record(uow, chosen, now)
                    await uow.commit()


Given = Sequence[tuple[ClaimedTarget, Outcome]]


async def _record_parts(uow: UnitOfWork, outcomes: Given, now: datetime) -> None:
    """Parts touch their own target rows only; a part's progress never changes a target's
    status, so it raises no event. While the target is still publishing under the claim
    that sent the part, the progress is written as it is (`PostTarget._record_part`'s
    rule: the part, the first part's ids, the lease renewed) without reading the target
    back; otherwise (the lease ran out, the target failed meanwhile) the target is read and
    records the part itself."""
    progress = [_progress(claimed, outcome, now) for claimed, outcome in outcomes]
    written = await uow.posts.write_parts(progress)
    outcomes = [(c, o) for c, o in outcomes if c.target_id not in written]
    if not outcomes:
        return
    ids = {claimed.target_id for claimed, _ in outcomes}
    targets = {t.id: t for t in await uow.posts.get_targets(ids, for_update=True)}
    for claimed, outcome in outcomes:
        target = targets.get(claimed.target_id)
        if target is not None:
            target.record(outcome, now)
    await uow.posts.save_targets(list(targets.values()))


def _progress(claimed: ClaimedTarget, outcome: Outcome, now: datetime) -> PartProgress:
    assert isinstance(outcome, PartPublished)
    return PartProgress(
        claimed.target_id, claimed.attempts, outcome.index, outcome.platform_post_id,
        outcome.url, outcome.cid, now + outcome.lease, now,
    )  # fmt: skip


async def _record_whole(uow: UnitOfWork, outcomes: Given, now: datetime) -> None:
    """Other outcomes through their targets, each of which decides its own
    (`PostTarget.record`, which is all `Post.record` does) and says what events follow (all
    of the group's events recorded together). Only the targets are read, locked and
    written: an outcome changes nothing else of its post, and the claim already says whose
    post and workspace each is."""
    ids = {claimed.target_id for claimed, _ in outcomes}
    targets = {t.id: t for t in await uow.posts.get_targets(ids, for_update=True)}
    changed: dict[UUID, PostTarget] = {}
    events: list[EventDraft] = []
    for claimed, outcome in outcomes:
        target = targets.get(claimed.target_id)
        if target is None:
            continue
        before = target.status
        try:
            target.record(outcome, now)
        except IllegalTransition:
            log.warning("late outcome for target %s ignored", target.id)
            continue
        changed[target.id] = target
        events.extend(
            target_change_events(claimed.workspace_id, claimed.post_id, target, before, now)
        )
    if changed:
        await uow.posts.save_targets(list(changed.values()))
    if events:
        await uow.outbox.record(*events)
