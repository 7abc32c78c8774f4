"""What the webhook benchmarks share: a seeded database (endpoints on a receiver), events
committed through the outbox, `openpost worker` processes, and the receiver's log."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.crypto import generate_key
from adapters.persistence.sqlalchemy.migrate import upgrade
from adapters.persistence.sqlalchemy.tables import webhook_deliveries
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.webhooks.create_endpoint import CreateWebhookEndpoint
from application.workspaces import CreateWorkspace
from bench.support import Database, openpost_argv
from domain.webhooks.events import EventDraft, EventType
from domain.workspace import WorkspaceMode
from entrypoints.composition import build_container
from entrypoints.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def receiver() -> Iterator[str]:
    """The test suite's receiver process (`tests/support/webhook_receiver.py`); its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.webhook_receiver"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().strip().removeprefix("port="))
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def arrived(base: str) -> int:
    """How many requests the receiver has had (polled: the whole log is far dearer)."""
    async with httpx.AsyncClient(timeout=60) as client:
        count: int = (await client.get(f"{base}/_control/count")).json()
    return count


async def arrivals(base: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(timeout=60) as client:
        entries: list[dict[str, Any]] = (await client.get(f"{base}/_control/log")).json()
    return entries


@dataclass
class Seeded:
    env: dict[str, str]
    workspaces: list[UUID]
    uow_factory: UnitOfWorkFactory
    clock: Clock
    engine: AsyncEngine
    close: Any
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    async def commit_events(self, count: int, offset: int = 0) -> list[float]:
        """Commits `count` events spread over the endpoints, in transactions of 100;
        returns when each transaction committed (time.time())."""
        done = []
        for start in range(0, count, 100):
            now = self.clock.now()
            drafts = [
                EventDraft(self.workspaces[(offset + i) % len(self.workspaces)],
                           EventType.POST_PUBLISHED, {"n": offset + i}, now)
                for i in range(start, min(count, start + 100))
            ]  # fmt: skip
            async with self.uow_factory() as uow:
                await uow.outbox.record(*drafts)
                await uow.commit()
            done.append(time.time())
        return done

    async def commit_one(self, n: int) -> tuple[str, float]:
        draft = EventDraft(
            self.workspaces[n % len(self.workspaces)], EventType.POST_PUBLISHED, {"n": n},
            self.clock.now(),
        )  # fmt: skip
        async with self.uow_factory() as uow:
            [event_id] = await uow.outbox.record(draft)
            await uow.commit()
        return event_id, time.time()

    async def pending(self) -> int:
        async with self.engine.connect() as conn:
            count = await conn.scalar(
                select(func.count())
                .select_from(webhook_deliveries)
                .where(webhook_deliveries.c.status != "succeeded")
            )
        return int(count or 0)

    def start_workers(self, count: int, cwd: Path, pin: list[str]) -> None:
        for n in range(count):
            log = open(cwd / f"webhook-worker-{len(self.workers)}-{n}.err", "wb")  # noqa: SIM115
            self.workers.append(
                subprocess.Popen(
                    [*pin, *openpost_argv("worker")],
                    env=self.env,
                    cwd=cwd,
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                )
            )
            log.close()

    def kill(self, index: int) -> None:
        os.kill(self.workers[index].pid, signal.SIGKILL)
        self.workers[index].wait()

    def stop_workers(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        self.workers.clear()


async def seed(db: Database, receiver_url: str, endpoints: int, path: str, **env: str) -> Seeded:
    """A database with `endpoints` workspaces, each with one endpoint on the receiver at
    `path` subscribed to every event."""
    service = dict(db.env)
    service.setdefault("OPENPOST_SECRET_KEY", generate_key())
    service |= {
        "OPENPOST_WEBHOOK_ALLOW_HTTP": "true",
        "OPENPOST_WEBHOOK_ALLOW_PRIVATE": "true",
        "OPENPOST_LOG_LEVEL": "WARNING",
        **env,
    }
    settings = load_settings({k: v for k, v in service.items() if k.startswith("OPENPOST_")},
                             dotenv=None)  # fmt: skip
    container = build_container(settings)
    engine = await container.get(AsyncEngine)
    await upgrade(engine)
    workspaces = []
    for n in range(endpoints):
        async with container() as scope:
            created = await (await scope.get(CreateWorkspace)).execute(f"w{n}", WorkspaceMode.LIVE)
        async with container() as scope:
            await (await scope.get(CreateWebhookEndpoint)).execute(
                created.workspace.id, f"{receiver_url}{path}/{n}", ["*"], None
            )
        workspaces.append(created.workspace.id)
    return Seeded(
        service, workspaces, await container.get(UnitOfWorkFactory), await container.get(Clock),
        engine, container.close,
    )  # fmt: skip


async def until(condition: Any, timeout_s: float, every_s: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await condition():
            return True
        await asyncio.sleep(every_s)
    return False
