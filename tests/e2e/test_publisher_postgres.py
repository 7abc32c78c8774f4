"""Publishing and reserving under real concurrency, on PostgreSQL: several engines (as
several processes would have), several worker tasks, and real worker processes, one of
them killed mid-send."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import ManualClock
from adapters.crypto import FernetTokenCipher, generate_key
from adapters.ids import Uuid7Generator
from adapters.persistence.sqlalchemy.engine import create_engine
from adapters.persistence.sqlalchemy.migrate import upgrade
from adapters.persistence.sqlalchemy.tables import post_targets
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.create_post import CreatePost, CreatePostCommand
from application.post_scheduling import NEXT_SLOT
from application.workspaces import CreateWorkspace
from domain.workspace import WorkspaceMode
from entrypoints.composition import build_container
from entrypoints.settings import Settings, load_settings
from entrypoints.worker import build_publisher, run_worker
from tests.e2e.publishing_support import RecordingPlatforms, recording, seed_due_posts

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
SECRET = generate_key()


@pytest.fixture
async def pg(fresh_postgres_url: str) -> AsyncIterator[str]:
    engine = create_engine(fresh_postgres_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    yield fresh_postgres_url


def settings_for(url: str, **extra: str) -> Settings:
    env = {"OPENPOST_DATABASE_URL": url, "OPENPOST_SECRET_KEY": SECRET, **extra}
    return load_settings(env, dotenv=None)


async def unfinished(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        busy = post_targets.c.status.in_(("pending", "publishing"))
        return int(await conn.scalar(select(func.count()).where(busy)) or 0)


async def statuses(engine: AsyncEngine) -> Counter[tuple[str, int, str | None]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(post_targets.c.status, post_targets.c.attempts, post_targets.c.error_code)
        )
        return Counter((r[0], r[1], r[2]) for r in rows)


async def wait_until_done(engine: AsyncEngine, timeout_s: float = 90) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while await unfinished(engine):
        assert asyncio.get_running_loop().time() < deadline, "publishing did not finish"
        await asyncio.sleep(0.1)


async def test_concurrent_next_slot_posts_land_an_hour_apart(pg: str) -> None:
    engines = [create_engine(pg) for _ in range(4)]
    cipher, clock = (
        FernetTokenCipher([SECRET]),
        ManualClock(datetime(2026, 4, 17, 10, 30, tzinfo=UTC)),
    )
    factories = [lambda e=e: SqlAlchemyUnitOfWork(e, cipher, clock) for e in engines]
    ids = Uuid7Generator()
    try:
        created = await CreateWorkspace(factories[0](), ids, clock).execute("w", WorkspaceMode.TEST)
        twitter, bluesky = (i.id for i in created.integrations)
        plans = [[twitter, bluesky], [twitter], [bluesky]] * 8

        async def reserve(n: int, targets: list) -> tuple[list, datetime]:
            command = CreatePostCommand(created.workspace.id, f"p{n}", targets, NEXT_SLOT)
            post = await CreatePost(factories[n % 4](), ids, clock).execute(command)
            assert post.scheduled_at is not None
            return targets, post.scheduled_at

        results = await asyncio.gather(*(reserve(n, t) for n, t in enumerate(plans)))
    finally:
        for engine in engines:
            await engine.dispose()
    for integration in (twitter, bluesky):
        times = sorted(at for targets, at in results if integration in targets)
        assert len(times) == 16
        assert all(b - a >= timedelta(hours=1) for a, b in itertools.pairwise(times)), times


async def test_several_workers_publish_every_due_target_exactly_once(pg: str) -> None:
    gateways = recording(delay_s=0.002)
    settings = settings_for(pg, OPENPOST_WORKER_CONCURRENCY="8")
    containers = [build_container(settings, RecordingPlatforms(gateways)) for _ in range(4)]
    engine = await containers[0].get(AsyncEngine)
    cipher = FernetTokenCipher([SECRET])
    contents = await seed_due_posts(
        lambda: SqlAlchemyUnitOfWork(engine, cipher, ManualClock(datetime.now(UTC))), 220
    )
    stop = asyncio.Event()
    workers = [
        asyncio.create_task(run_worker(c, settings, stop, poll_interval_s=0.02)) for c in containers
    ]
    try:
        await wait_until_done(engine)
    finally:
        stop.set()
        await asyncio.gather(*workers)
    for gateway in gateways.values():
        assert Counter(gateway.sent) == Counter(contents)
    assert await statuses(engine) == {("published", 1, None): 440}
    for container in containers:
        await container.close()


def spawn(url: str, log: Path, *flags: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.publisher_process", url, SECRET, str(log), *flags],
        cwd=ROOT,
        env=env,
    )


async def test_worker_processes_publish_every_due_target_exactly_once(
    pg: str, tmp_path: Path
) -> None:
    engine = create_engine(pg)
    cipher = FernetTokenCipher([SECRET])
    log = tmp_path / "sends.log"
    try:
        contents = await seed_due_posts(
            lambda: SqlAlchemyUnitOfWork(engine, cipher, ManualClock(datetime.now(UTC))), 210
        )
        workers = [spawn(pg, log) for _ in range(3)]
        try:
            await wait_until_done(engine)
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            codes = [await asyncio.to_thread(w.wait, 30) for w in workers]
        assert codes == [0, 0, 0]
        sends = Counter(line.split(" ", 1)[1] for line in log.read_text().splitlines())
        expected = Counter(f"{p} {c}" for p in ("twitter", "bluesky") for c in contents)
        assert sends == expected
        pids = {line.split(" ", 1)[0] for line in log.read_text().splitlines()}
        assert len(pids) > 1, "the work was shared"
        assert await statuses(engine) == {("published", 1, None): 420}
    finally:
        await engine.dispose()


async def test_a_worker_killed_mid_send_leaves_outcome_unknown_and_no_resend(
    pg: str, tmp_path: Path
) -> None:
    log = tmp_path / "sends.log"
    settings = settings_for(pg)
    gateways = recording()
    container = build_container(settings, RecordingPlatforms(gateways))
    engine = await container.get(AsyncEngine)
    cipher = FernetTokenCipher([SECRET])
    try:
        await seed_due_posts(
            lambda: SqlAlchemyUnitOfWork(engine, cipher, ManualClock(datetime.now(UTC))), 1
        )
        doomed = spawn(pg, log, "hang")
        try:
            for _ in range(300):
                if log.exists() and len(log.read_text().splitlines()) == 2:
                    break
                await asyncio.sleep(0.05)
            assert len(log.read_text().splitlines()) == 2, "both targets were being sent"
        finally:
            doomed.kill()
            await asyncio.to_thread(doomed.wait, 10)
        publisher = await build_publisher(container, settings)
        assert await statuses(engine) == {("publishing", 1, None): 2}
        await asyncio.sleep(2.2)  # the dead worker's 2 s lease runs out
        await publisher.run_once()
        await publisher.drain()
        assert await statuses(engine) == {("failed", 1, "outcome_unknown"): 2}
        assert all(g.sent == [] for g in gateways.values())
    finally:
        await container.close()
