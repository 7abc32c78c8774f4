"""The publishing benchmark's pieces: accounts and due posts written the app's way, worker
processes, and waiting for targets to settle."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.ids import Uuid7Generator
from adapters.persistence.sqlalchemy.migrate import upgrade
from adapters.persistence.sqlalchemy.post_mappers import post_to_row, target_to_row
from adapters.persistence.sqlalchemy.tables import post_targets, posts
from application.ports.credentials import Credentials
from application.ports.unit_of_work import UnitOfWork
from application.start_connect import TWITTER_SCOPES
from application.workspaces import CreateWorkspace
from bench.support import Database, pg_dsn
from domain.integration import Integration, Profile
from domain.platform import Platform
from domain.post import Post, TargetSpec
from domain.workspace import WorkspaceMode
from entrypoints.composition import build_container
from entrypoints.settings import load_settings

ACCOUNTS = 100
UNSETTLED = ("pending", "publishing")


@dataclass(frozen=True)
class Accounts:
    """A live workspace's X accounts, and the bench's own engine on the same database."""

    engine: AsyncEngine
    workspace_id: UUID
    integration_ids: list[UUID]


async def seed_accounts(db: Database, stack: AsyncExitStack) -> Accounts:
    """The schema, a live workspace, and `ACCOUNTS` connected X integrations with tokens
    valid for 30 days, through the app's use case and repositories (so the credentials are
    sealed with the key the workers get from the same settings)."""
    container = build_container(load_settings(db.settings_env(), dotenv=None))
    stack.push_async_callback(container.close)
    engine = await container.get(AsyncEngine)
    await upgrade(engine)
    async with container() as scope:
        created = await (await scope.get(CreateWorkspace)).execute("publish", WorkspaceMode.LIVE)
    ids, now = Uuid7Generator(), datetime.now(UTC)
    made = []
    for i in range(ACCOUNTS):
        profile = Profile(str(1_500_000_000 + i), f"bench_x_{i}", f"Bench X {i}", None)
        made.append(
            Integration.connect(
                id=ids.new_id(),
                workspace_id=created.workspace.id,
                platform=Platform.TWITTER,
                profile=profile,
                now=now,
            )
        )
    async with container() as scope:
        uow = await scope.get(UnitOfWork)
        async with uow:
            for integration in made:
                await uow.integrations.add(integration)
                credentials = Credentials(
                    access_token=f"bench-access-{integration.id.hex}",
                    refresh_token=f"bench-refresh-{integration.id.hex}",
                    expires_at=now + timedelta(days=30),
                    scopes=TWITTER_SCOPES,
                    extra={
                        "user_id": integration.platform_user_id,
                        "username": integration.username,
                    },
                )
                await uow.credentials.put(integration.id, credentials)
            await uow.commit()
    return Accounts(engine, created.workspace.id, [i.id for i in made])


@dataclass(frozen=True)
class Scenario:
    """`count` targets, all due at once (scheduled at the moment the rows are built, just
    before the insert) or spread evenly over `span_s` from `lead_s` after it."""

    label: str
    database: str
    workers: int
    shape: str
    count: int
    span_s: float = 0.0
    lead_s: float = 0.0

    def schedule(self, now: datetime) -> list[datetime]:
        if self.shape == "burst":
            return [now] * self.count
        first, step = now + timedelta(seconds=self.lead_s), self.span_s / self.count
        return [first + timedelta(seconds=i * step) for i in range(self.count)]

    def describe(self) -> str:
        if self.shape == "burst":
            return f"{self.count:,} due at once"
        return f"{self.count:,} over {self.span_s:.0f} s"

    @property
    def deadline_s(self) -> float:
        """How long settling may take before the run counts as broken."""
        return self.lead_s + self.span_s + 120.0


@dataclass(frozen=True)
class Inserted:
    committed_at: float
    scheduled: dict[str, datetime]


async def insert_posts(accounts: Accounts, label: str, times: list[datetime]) -> Inserted:
    """One post with one target per time, round robin over the accounts, built by
    `Post.create` (as if created two minutes before the first time) and stored with the
    app's row mappers in one transaction. Each text is unique: `label #n`."""
    ids, created = Uuid7Generator(), min(times) - timedelta(minutes=2)
    post_rows, target_rows, scheduled = [], [], {}
    accounts_n = len(accounts.integration_ids)
    for n, at in enumerate(times):
        text = f"{label} #{n:05d}"
        integration_id = accounts.integration_ids[n % accounts_n]
        post = Post.create(
            id=ids.new_id(),
            workspace_id=accounts.workspace_id,
            content=text,
            targets=[TargetSpec(ids.new_id(), integration_id, Platform.TWITTER)],
            now=created,
            scheduled_at=at,
        )
        post_rows.append(post_to_row(post))
        target_rows += [target_to_row(post, t) for t in post.targets]
        scheduled[text] = at
    async with accounts.engine.begin() as conn:
        await conn.execute(insert(posts), post_rows)
        await conn.execute(insert(post_targets), target_rows)
    return Inserted(time.time(), scheduled)


async def settle(db: Database, label: str, deadline_s: float) -> bool:
    """Waits until none of the run's targets is pending or publishing; False on timeout.
    Reads outside the app's engine (on SQLite it would take the write lock to read)."""
    query = "SELECT count(*) FROM post_targets WHERE content LIKE {} AND status IN ({})"
    statuses = ", ".join(f"'{s}'" for s in UNSETTLED)
    pattern, deadline = f"{label} #%", time.monotonic() + deadline_s
    if db.kind == "sqlite":
        lite = sqlite3.connect(db.home / "openpost.db", timeout=10, isolation_level=None)
        sql = query.format("?", statuses)

        async def unsettled() -> int:
            return int(lite.execute(sql, (pattern,)).fetchone()[0])

        close: Any = lite.close
    else:
        pg = await asyncpg.connect(pg_dsn(db.url))
        sql = query.format("$1", statuses)

        async def unsettled() -> int:
            return int(await pg.fetchval(sql, pattern))

        close = pg.close
    try:
        while time.monotonic() < deadline:
            if await unsettled() == 0:
                return True
            await asyncio.sleep(0.1)
        return False
    finally:
        result = close()
        if asyncio.iscoroutine(result):
            await result


class Worker:
    """An `openpost worker` process, its output in `cwd/NAME.out|err`; ready once its log
    says the publisher started."""

    def __init__(self, name: str, env: dict[str, str], cwd: Path, pin: list[str]) -> None:
        self.name, self.env, self.cwd, self.pin = name, env, cwd, pin
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self, argv: list[str], timeout_s: float = 60.0) -> float:
        """Returns the seconds until the publisher loop started."""
        started = time.perf_counter()
        with open(self.cwd / f"{self.name}.out", "wb") as out, open(self._err, "wb") as err:
            self.process = subprocess.Popen(
                [*self.pin, *argv], env=self.env, cwd=self.cwd, stdout=out, stderr=err
            )
        while time.perf_counter() - started < timeout_s:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early: {self.log()[-2000:]}")
            if "publisher started" in self.log():
                return time.perf_counter() - started
            await asyncio.sleep(0.02)
        raise RuntimeError(f"worker not ready after {timeout_s} s: {self.log()[-2000:]}")

    @property
    def _err(self) -> Path:
        return self.cwd / f"{self.name}.err"

    def log(self) -> str:
        return self._err.read_text(errors="replace") if self._err.exists() else ""

    def published(self) -> int:
        """Targets its log says it published so far."""
        return self.log().count(" published: ")

    def problems(self) -> int:
        """Warning and error lines in its log so far."""
        return sum(
            1 for line in self.log().splitlines() if " WARNING " in line or " ERROR " in line
        )

    def cpu_s(self) -> float:
        """CPU seconds (user + system) the process has used so far."""
        if self.process is None or self.process.poll() is not None:
            return float("nan")
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """SIGTERM, as an operator would; in-flight publishes get the worker's grace."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
