"""The publishers' backlog as operators watch it: how many targets are due and unclaimed,
and how long the oldest of them has waited."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.clock import Clock
from application.ports.publish_backlog import PublishBacklog


@dataclass(frozen=True, slots=True)
class BacklogReading:
    due: int
    oldest_age_s: float  # 0 with nothing due


class MeasureBacklog:
    def __init__(self, backlog: PublishBacklog, clock: Clock) -> None:
        self.backlog, self.clock = backlog, clock

    async def execute(self) -> BacklogReading:
        now = self.clock.now()
        found = await self.backlog.due_unclaimed(now)
        if found.oldest_due_at is None:
            return BacklogReading(found.due, 0.0)
        return BacklogReading(found.due, max(0.0, (now - found.oldest_due_at).total_seconds()))
