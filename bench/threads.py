"""(h) Threads: 100 threads of 5 parts published at once to the fake X answering each post in
50 ms (`bench.fake_platform`, its own process), through the real publisher
(`PublishTarget`: the thread path, each part recorded before the next) and the real X
adapter over loopback HTTP, on SQLite (a file, as `openpost serve` uses by default).

Per thread: the time from its first part's arrival at X to the publisher holding X's
answer to its last part, against its floor of 5 x 50 ms (X's own waiting, once per part);
the goal is p99 <= 1.3 x the floor: the chain adds almost nothing to the platform's own
waiting. The clock starts at the first arrival, not at the first send, because before the
first part arrives the publisher opens a new connection to X (100 at once, a cold pool),
which any single post pays as well and which is not the chain; the time from the first
send is shown beside it. Every thread must end published with 5 distinct posts, each
arriving in order, each once. (Quick: 20 threads.)
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.fakes.x import DEFAULT_USER

from adapters.clock import ManualClock
from adapters.crypto import FernetTokenCipher, generate_key
from adapters.decorators.outcomes import BatchingOutcomeRecorder
from adapters.ids import Uuid7Generator
from adapters.media.filesystem import FileSystemMediaStore
from adapters.persistence.sqlalchemy.engine import create_engine
from adapters.persistence.sqlalchemy.migrate import upgrade
from adapters.persistence.sqlalchemy.part_writer import SqlitePartWriter
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from adapters.platforms.directory import StaticPlatformDirectory
from adapters.platforms.twitter import AiohttpTwitterGateway, x_session
from application.claim_due_targets import ClaimDueTargets
from application.ports.credentials import Credentials
from application.ports.outgoing_media import OutgoingMedia
from application.ports.threads import OutgoingPart, PublishedPart
from application.publish_target import PublishTarget
from application.record_outcomes import RecordOutcomes
from application.refresh_credentials import RefreshCredentials, RefreshPolicy
from application.usable_credentials import GetUsableCredentials
from bench.support import Context, Goal, Section, free_port, quantile, table, verdict
from domain.integration import Integration, Profile
from domain.outcomes import Published
from domain.platform import Platform
from domain.post import Post, TargetSpec
from domain.thread import PartSpec, ThreadSettings
from domain.workspace import Workspace, WorkspaceMode

NAME = "threads"
TITLE = "Threads: 100 threads of 5 parts against X answering in 50 ms"
LATENCY_S = 0.050
PARTS = 5
GOAL = 1.3
START = datetime(2026, 4, 17, 10, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]


class TimedGateway(AiohttpTwitterGateway):
    """The X adapter, noting when each thread's parts leave and come back (by text; the
    wall clock, which the fake X's arrival times share)."""

    spans: dict[str, list[float]]

    async def publish_part(
        self, credentials: Credentials, part: OutgoingPart, media: Sequence[OutgoingMedia] = ()
    ) -> PublishedPart:
        thread = part.text.split(" ", 1)[0]
        self.spans[thread].append(time.time())
        published = await super().publish_part(credentials, part, media)
        self.spans[thread].append(time.time())
        return published


def _start_platform() -> tuple[subprocess.Popen[bytes], str]:
    """The benchmarks' stand-in for X's create-post endpoint (`bench.fake_platform`): the
    test suite's fake X checks every rule and costs about 30 ms of CPU per post, which
    would measure the fake, not the chain."""
    port = free_port()
    command = [sys.executable, "-m", "bench.fake_platform", "--port", str(port),
               "--latency-ms", str(int(LATENCY_S * 1000))]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the fake platform did not start")


async def _receipts(url: str) -> list[tuple[float, str]]:
    async with httpx.AsyncClient(timeout=10) as client:
        got = (await client.get(f"{url}/_bench/receipts")).json()["receipts"]
    return [(float(at), str(text)) for at, text in got]


def _part_writer(engine: AsyncEngine) -> SqlitePartWriter | None:
    """As the composition root picks it (`OPENPOST_BENCH_PART_WRITER=0`: without)."""
    return None if os.environ.get("OPENPOST_BENCH_PART_WRITER") == "0" else SqlitePartWriter(engine)


CREDENTIALS = Credentials(
    "bench-token",
    expires_at=START + timedelta(days=1),
    extra={"user_id": DEFAULT_USER.id, "username": DEFAULT_USER.username},
)


async def _seed(
    uow_factory: Callable[[], SqlAlchemyUnitOfWork], credentials: Credentials, threads: int
) -> list[UUID]:
    ids = Uuid7Generator()
    workspace = Workspace(ids.new_id(), "bench", WorkspaceMode.LIVE, START)
    profile = Profile(DEFAULT_USER.id, DEFAULT_USER.username, "Bench")
    x = Integration.connect(
        id=ids.new_id(), workspace_id=workspace.id, platform=Platform.TWITTER,
        profile=profile, now=START,
    )  # fmt: skip
    posts = []
    async with uow_factory() as uow:
        await uow.workspaces.add(workspace)
        await uow.integrations.add(x)
        await uow.credentials.put(x.id, credentials)
        for n in range(threads):
            parts = tuple(PartSpec(f"t{n} part {i + 1} of {PARTS}") for i in range(PARTS))
            post = Post.create(
                id=ids.new_id(), workspace_id=workspace.id, content="",
                targets=[TargetSpec(ids.new_id(), x.id, Platform.TWITTER)],
                now=START, scheduled_at=START + timedelta(minutes=1),
                thread=ThreadSettings(parts=parts),
            )  # fmt: skip
            await uow.posts.add(post)
            posts.append(post.id)
        await uow.commit()
    return posts


@dataclass(frozen=True)
class Spans:
    """Per thread, in seconds: first arrival at X to the last answer back (the goal's),
    first send to the last answer back, first arrival to the last arrival."""

    arrival_to_answer: list[float]
    send_to_answer: list[float]
    arrival_to_arrival: list[float]


async def _measure(threads: int, workdir: Path) -> tuple[Spans, int]:
    process, base_url = _start_platform()
    engine = create_engine(f"sqlite+aiosqlite:///{workdir / 'threads.sqlite'}")
    try:
        await upgrade(engine)
        clock = ManualClock(START)
        cipher = FernetTokenCipher([generate_key()])

        def uow() -> SqlAlchemyUnitOfWork:
            return SqlAlchemyUnitOfWork(engine, cipher, clock)

        await _seed(uow, CREDENTIALS, threads)
        async with x_session(10) as http:
            gateway = TimedGateway(http, clock, api_url=base_url, client_id="bench")
            gateway.spans = defaultdict(list)

            directory = StaticPlatformDirectory(
                live={Platform.TWITTER: gateway}, simulated={Platform.TWITTER: gateway}
            )
            refresher = RefreshCredentials(uow, clock, directory, RefreshPolicy(300))
            media = FileSystemMediaStore(workdir / "media")
            publisher = PublishTarget(
                uow, clock, directory, GetUsableCredentials(uow, clock, refresher), media,
                lease=timedelta(minutes=2),
                outcomes=BatchingOutcomeRecorder(RecordOutcomes(uow, clock, _part_writer(engine))),
            )  # fmt: skip
            clock.set(START + timedelta(minutes=1))
            claimed = await ClaimDueTargets(uow, clock, timedelta(minutes=2)).execute(threads)
            outcomes = await asyncio.gather(*(publisher.execute(c) for c in claimed))
        receipts = await _receipts(base_url)
    finally:
        await engine.dispose()
        process.terminate()
        process.wait(timeout=10)
    arrivals: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for at, text in receipts:
        arrivals[text.split(" ", 1)[0]].append((at, text))
    for thread, got in arrivals.items():
        texts = [text for _, text in sorted(got)]
        expected = [f"{thread} part {i + 1} of {PARTS}" for i in range(PARTS)]
        assert texts == expected, f"{thread}: parts out of order or repeated"
    assert len(receipts) == threads * PARTS
    first = {thread: min(at for at, _ in got) for thread, got in arrivals.items()}
    spans = Spans(
        sorted(times[-1] - first[thread] for thread, times in gateway.spans.items()),
        sorted(times[-1] - times[0] for times in gateway.spans.values()),
        sorted(max(a for a, _ in got) - first[t] for t, got in arrivals.items()),
    )
    published = sum(1 for o in outcomes if isinstance(o, Published))
    return spans, published


async def run(ctx: Context) -> Section:
    threads = 20 if ctx.quick else 100
    ctx.log(f"{threads} threads of {PARTS} parts, X at {LATENCY_S * 1000:.0f} ms")
    spans, published = await _measure(threads, ctx.workdir)
    durations = spans.arrival_to_answer
    floor = PARTS * LATENCY_S
    p50, p99 = quantile(durations, 0.50), quantile(durations, 0.99)
    met = p99 <= GOAL * floor and published == threads
    sent_p99 = quantile(spans.send_to_answer, 0.99)
    rows = [
        ["threads published", f"{published}/{threads}"],
        ["posts at the platform", f"{threads * PARTS}, each once, in order per thread"],
        ["first arrival to last answer, p50", f"{p50 * 1000:.0f} ms ({p50 / floor:.2f} x floor)"],
        ["first arrival to last answer, p99", f"{p99 * 1000:.0f} ms ({p99 / floor:.2f} x floor)"],
        ["first arrival to last answer, max", f"{max(durations) * 1000:.0f} ms"],
        ["first send to last answer, p99", f"{sent_p99 * 1000:.0f} ms ({sent_p99 / floor:.2f} x floor)"],
        ["first arrival to last arrival, p99", f"{quantile(spans.arrival_to_arrival, 0.99) * 1000:.0f} ms"],
    ]  # fmt: skip
    goal = Goal(
        f"p99 thread time <= {GOAL} x {floor * 1000:.0f} ms",
        f"<= {GOAL * floor * 1000:.0f} ms",
        f"{p99 * 1000:.0f} ms",
        met,
    )
    body = (
        __doc__.strip() + "\n\n" + table(["measure", "value"], rows) + f"\n\nGoal: {verdict(met)}"
    )
    return Section(TITLE, body, [goal])
