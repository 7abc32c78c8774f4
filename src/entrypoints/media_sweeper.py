"""The worker's media sweep: `SweepMedia` every MEDIA_SWEEP_EVERY_S, by the clock port (the
first as the worker starts, which is when a crash's leftovers are freshest)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from application.ports.clock import Clock
from application.sweep_media import SweepMedia, SweepReport

log = logging.getLogger("openpost.worker")

POLL_INTERVAL_S = 5.0


class MediaSweeper:
    def __init__(self, sweep: SweepMedia, clock: Clock, every: timedelta) -> None:
        self.sweep, self.clock, self.every = sweep, clock, every
        self._next_at: datetime | None = None

    async def tick(self) -> SweepReport | None:
        """Sweeps when a sweep is due (never when `every` is zero); the report, or None."""
        now = self.clock.now()
        if not self.every or (self._next_at is not None and now < self._next_at):
            return None
        self._next_at = now + self.every
        report = await self.sweep.execute()
        if report.partial or report.orphans:
            log.info(
                "media sweep removed %d partial uploads and %d orphaned objects",
                report.partial,
                report.orphans,
            )
        return report

    async def run(self, stop: asyncio.Event, poll_interval_s: float = POLL_INTERVAL_S) -> None:
        if not self.every:
            return
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:
                log.exception("media sweep failed; trying again at the next one")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_interval_s)
