"""The one claim loop of both workers (publisher and webhook deliverer): bounded
concurrency, claims again once there is room, claims nothing once stopped, a bounded
shutdown, and a failing pass or item that never ends the loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from adapters.clock import ManualClock
from application.release_claims import ReleaseClaims
from application.webhooks.claim_deliveries import ClaimDeliveries
from application.webhooks.deliver_webhook import DeliverWebhook
from entrypoints import claim_loop
from entrypoints.claim_loop import ClaimLoop
from entrypoints.webhook_worker import Deliverer
from entrypoints.worker import Publisher


class Jobs(ClaimLoop[int]):
    """Claims from a list of numbers; each job runs until released."""

    name, work, logger = "jobs", "jobs", logging.getLogger("tests.jobs")

    def __init__(
        self,
        count: int,
        concurrency: int,
        wake_share: float = 0.5,
        ready: int = 0,
        clock: ManualClock | None = None,
    ) -> None:
        super().__init__(
            concurrency, wake_share, ready=ready, ready_for=timedelta(seconds=10), clock=clock
        )
        self.due = list(range(count))
        self.started: list[int] = []
        self.given_back: list[int] = []
        self.claims: list[int] = []  # how many each claim asked for
        self.gates: dict[int, asyncio.Event] = {}  # a job runs until its gate opens
        self.open_all = False
        self.running = self.most = 0
        self.done: list[int] = []
        self.fail_claims = 0
        self.early = False  # each job gives its slot up as it starts
        self.let_go: dict[int, asyncio.Event] = {}

    async def claim(self, limit: int) -> Sequence[int]:
        if self.fail_claims:
            self.fail_claims -= 1
            raise RuntimeError("the database went away")
        self.claims.append(limit)
        taken, self.due = self.due[:limit], self.due[limit:]
        return taken

    async def give_back(self, items: Sequence[int]) -> None:
        self.given_back += items

    async def handle(self, item: int) -> None:
        self.started.append(item)
        if self.early:
            self.release_slot()
        self.running += 1
        self.most = max(self.most, self.running)
        if item in self.let_go:  # gives its slot up once this is set, and goes on
            await self.let_go[item].wait()
            self.release_slot()
        gate = self.gates.setdefault(item, asyncio.Event())
        if self.open_all:
            gate.set()
        try:
            await gate.wait()
            if item == 0:
                raise RuntimeError("job 0 breaks")
            self.done.append(item)
        finally:
            self.running -= 1

    def release(self) -> None:
        self.open_all = True
        for gate in self.gates.values():
            gate.set()


async def _until(condition: object, timeout_s: float = 5.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0)


def test_both_workers_run_the_one_loop() -> None:
    assert issubclass(Publisher, ClaimLoop) and issubclass(Deliverer, ClaimLoop)
    for method in ("run", "run_once", "drain", "_wait", "_finished"):
        assert method not in vars(Publisher) and method not in vars(Deliverer)


def test_the_deliverer_claims_again_at_a_quarter_done_the_publisher_at_half() -> None:
    """The publisher claims three quarters of its slots ahead (given a way to give them
    back), so a claim at half keeps every slot busy; the deliverer claims none ahead."""
    claim, deliver = object.__new__(ClaimDeliveries), object.__new__(DeliverWebhook)
    deliverer = Deliverer(claim, deliver, 128)
    assert (deliverer.wake_at(128), deliverer.wake_at(8), deliverer.wake_at(1)) == (96, 6, 0)
    assert deliverer.ready == 0
    publisher = Publisher(None, None, None, 64)  # type: ignore[arg-type]
    assert (publisher.wake_at(64), publisher.wake_at(10), publisher.wake_at(1)) == (32, 5, 0)
    assert publisher.ready == 0, "nothing claimed ahead without a way to give it back"
    release = object.__new__(ReleaseClaims)
    assert Publisher(None, None, None, 64, release=release).ready == 48  # type: ignore[arg-type]


async def test_a_full_loop_claims_again_once_there_is_room_not_at_the_poll() -> None:
    jobs = Jobs(10, concurrency=4, wake_share=0.75)
    stop = asyncio.Event()
    loop = asyncio.create_task(jobs.run(stop, 3600, 5))
    await _until(lambda: jobs.running == 4)
    jobs.release()
    await _until(lambda: len(jobs.done) == 9)  # job 0 broke, and was logged
    stop.set()
    await loop
    assert jobs.most == 4 and sorted(jobs.done) == list(range(1, 10))
    assert max(jobs.claims) == 4 and jobs.claims[1] >= 3, "no claim for a single freed slot"


async def test_a_claim_that_took_less_than_it_asked_waits_for_a_share_to_finish() -> None:
    """Nothing more was due: the next claim waits for half of those in flight to finish
    (the poll is far off), not for each one."""
    jobs = Jobs(6, concurrency=10)
    stop = asyncio.Event()
    loop = asyncio.create_task(jobs.run(stop, 3600, 5))
    await _until(lambda: jobs.running == 6)
    jobs.due = [6, 7]
    for n, left in ((1, 5), (2, 4)):
        jobs.gates[n].set()
        await _until(lambda: jobs.running == left)  # noqa: B023
    for _ in range(100):
        await asyncio.sleep(0)
    assert jobs.claims == [10], "two of six done: no claim yet"
    jobs.gates[3].set()
    await _until(lambda: len(jobs.claims) == 2)
    assert jobs.claims == [10, 7]
    await _until(lambda: jobs.running == 5)
    jobs.release()
    await _until(lambda: len(jobs.done) == 7)
    stop.set()
    await loop


async def test_a_stopped_loop_claims_nothing_even_mid_pass() -> None:
    jobs = Jobs(3, concurrency=4, wake_share=0.5)
    stop = asyncio.Event()
    stop.set()
    assert await jobs.run_once(stop) == 0
    assert jobs.claims == [] and jobs.in_flight == set()


async def test_stopping_waits_for_the_grace_then_cancels(caplog: pytest.LogCaptureFixture) -> None:
    jobs = Jobs(2, concurrency=4, wake_share=0.5)
    stop = asyncio.Event()
    loop = asyncio.create_task(jobs.run(stop, 0.01, 0.05))
    await _until(lambda: jobs.running == 2)
    stop.set()
    await asyncio.wait_for(loop, 2)
    assert jobs.done == [] and jobs.in_flight == set()
    assert "2 jobs cut short at shutdown" in caplog.text


async def test_a_failed_pass_is_logged_and_tried_again(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(claim_loop, "ERROR_PAUSE_S", 0.01)
    jobs = Jobs(2, concurrency=4, wake_share=0.5)
    jobs.fail_claims = 1
    jobs.release()
    stop = asyncio.Event()
    loop = asyncio.create_task(jobs.run(stop, 0.01, 5))
    await _until(lambda: jobs.done == [1])
    stop.set()
    await loop
    assert "jobs pass failed" in caplog.text


async def test_a_job_that_gives_its_slot_up_lets_the_next_claim_go_up_to_twice_the_slots() -> None:
    """The publisher's slot is the platform call, not the writing of its outcome: a job
    that gives its slot up lets the loop claim for it at once, while it still runs, but
    no more than twice the concurrency run at once, and a job ending makes room again."""
    jobs = Jobs(12, concurrency=3, wake_share=0.5)
    jobs.early = True
    stop = asyncio.Event()
    loop = asyncio.create_task(jobs.run(stop, 3600, 5))
    await _until(lambda: jobs.running == 6)
    for _ in range(100):
        await asyncio.sleep(0)
    assert jobs.running == 6 and len(jobs.in_flight) == 6, "bounded at twice the slots"
    jobs.gates[1].set()
    await _until(lambda: len(jobs.done) == 1 and jobs.running == 6)
    jobs.release()
    await _until(lambda: len(jobs.done) == 11)  # job 0 broke
    stop.set()
    await loop
    assert jobs.most == 6


async def test_a_slot_given_up_wakes_a_full_loop_at_its_share() -> None:
    """With every slot taken, slots given up count as finished work: at the share, the
    loop claims again though no job has ended."""
    jobs = Jobs(8, concurrency=4, wake_share=0.5)
    jobs.let_go = {n: asyncio.Event() for n in range(4)}
    stop = asyncio.Event()
    loop = asyncio.create_task(jobs.run(stop, 3600, 5))
    await _until(lambda: jobs.running == 4)
    assert jobs.claims == [4]
    jobs.let_go[1].set()
    for _ in range(100):
        await asyncio.sleep(0)
    assert jobs.claims == [4], "one slot of four given up: not yet half"
    jobs.let_go[2].set()
    await _until(lambda: jobs.running == 6)
    assert jobs.claims == [4, 2] and jobs.done == []
    for let_go in jobs.let_go.values():
        let_go.set()
    jobs.release()
    await _until(lambda: len(jobs.done) == 7)
    stop.set()
    await loop


async def test_items_claimed_ahead_start_as_slots_free_without_another_claim() -> None:
    jobs = Jobs(10, concurrency=2, ready=2)
    assert await jobs.run_once() == 4
    await _until(lambda: jobs.running == 2)
    assert jobs.claims == [4] and jobs.claimed_ahead == 2
    jobs.gates[1].set()
    await _until(lambda: jobs.started == [0, 1, 2])
    assert jobs.running == 2 and jobs.claimed_ahead == 1 and jobs.claims == [4]
    assert await jobs.run_once() == 1, "the next claim tops up what waits"
    assert jobs.claims == [4, 1] and jobs.claimed_ahead == 2
    jobs.release()
    await _until(lambda: not jobs.in_flight)
    assert jobs.started == list(range(5)) and jobs.given_back == []


async def test_a_full_loop_with_items_claimed_ahead_sends_each_once() -> None:
    jobs = Jobs(40, concurrency=4, ready=3)
    jobs.open_all = True
    stop = asyncio.Event()
    loop = asyncio.create_task(jobs.run(stop, 3600, 5))
    await _until(lambda: len(jobs.done) == 39)  # job 0 broke
    stop.set()
    await loop
    assert sorted(jobs.started) == list(range(40)) and jobs.given_back == []
    assert jobs.most <= 4 and max(jobs.claims) == 7


async def test_stopping_gives_back_what_was_claimed_ahead_and_starts_none_of_it() -> None:
    jobs = Jobs(10, concurrency=2, ready=2)
    stop = asyncio.Event()
    loop = asyncio.create_task(jobs.run(stop, 3600, 5))
    await _until(lambda: jobs.running == 2 and jobs.claimed_ahead == 2)
    stop.set()
    jobs.release()  # slots free as the loop stops: nothing claimed ahead takes them
    await asyncio.wait_for(loop, 2)
    assert jobs.started == [0, 1] and jobs.given_back == [2, 3] and jobs.claimed_ahead == 0
    assert jobs.claims == [4]


async def test_items_claimed_ahead_that_wait_too_long_are_given_back() -> None:
    clock = ManualClock(datetime(2026, 4, 16, 10, tzinfo=UTC))
    jobs = Jobs(10, concurrency=2, ready=2, clock=clock)
    assert await jobs.run_once() == 4
    await _until(lambda: jobs.running == 2)
    clock.advance(9)
    assert await jobs.run_once() == 0 and jobs.given_back == []
    clock.advance(1)
    assert await jobs.run_once() == 0, "given back, and none claimed ahead while stuck"
    assert jobs.given_back == [2, 3] and jobs.claims == [4] and jobs.claimed_ahead == 0
    jobs.gates[1].set()
    await _until(lambda: len(jobs.in_flight) == 1)
    assert await jobs.run_once() == 3, "a slot freed: its item and two ahead"
    assert jobs.claims == [4, 3] and jobs.claimed_ahead == 2
    jobs.release()
    await _until(lambda: not jobs.in_flight)
    assert 2 not in jobs.started and 3 not in jobs.started


async def test_a_loop_that_claims_ahead_must_be_able_to_give_back() -> None:
    class Ahead(ClaimLoop[int]):
        name, work, logger = "ahead", "jobs", logging.getLogger("tests.jobs")

        async def claim(self, limit: int) -> Sequence[int]:
            return []

        async def handle(self, item: int) -> None:
            pass

    Ahead(4, 0.5)
    with pytest.raises(TypeError):
        Ahead(4, 0.5, ready=1)
