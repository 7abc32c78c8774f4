"""`next_slot` reservations with a queue, racing on real databases: whatever the
interleaving, two posts on one integration never land closer than its queue's gap."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

from adapters.ids import Uuid7Generator
from application.create_post import CreatePost, CreatePostCommand
from application.post_scheduling import NEXT_SLOT
from application.set_queue import QueueSlotsInput, SetQueue, SetQueueCommand
from tests.contract.builders import committed_integration, committed_workspace
from tests.contract.conftest import SqlBackend

GAP = timedelta(minutes=45)
EVERY_20_MINUTES = [f"{h:02d}:{m:02d}" for h in range(8, 20) for m in (0, 20, 40)]


async def test_concurrent_reservations_keep_each_targets_gap(sql_backend: SqlBackend) -> None:
    workspace = await committed_workspace(sql_backend())
    queued = await committed_integration(sql_backend(), workspace.id)
    plain = await committed_integration(sql_backend(), workspace.id)
    slots = [QueueSlotsInput(["thu", "fri"], EVERY_20_MINUTES)]
    await SetQueue(sql_backend(), sql_backend.clock).execute(
        SetQueueCommand(workspace.id, queued.id, "Europe/London", slots, min_gap_minutes=45)
    )
    ids = Uuid7Generator()

    async def reserve(n: int) -> tuple[list, object]:
        # Half as if from a second process, on an engine of its own.
        uow = sql_backend() if n % 2 else sql_backend.from_another_process()
        targets = [queued.id, plain.id] if n % 3 == 0 else [queued.id]
        command = CreatePostCommand(workspace.id, "hello", targets, schedule_at=NEXT_SLOT)
        post = await CreatePost(uow, ids, sql_backend.clock).execute(command)
        return targets, post.scheduled_at

    made = await asyncio.wait_for(asyncio.gather(*(reserve(n) for n in range(10))), 60)

    on_queued = sorted(at for _, at in made)
    assert len(on_queued) == 10
    assert all(b - a >= GAP for a, b in itertools.pairwise(on_queued))
    on_plain = sorted(at for targets, at in made if plain.id in targets)
    assert all(b - a >= timedelta(hours=1) for a, b in itertools.pairwise(on_plain))
    assert all(at.minute == 0 for at in on_plain)  # a top of the hour, as the default rule
