"""A server for the idempotency crash tests: `python -m tests.e2e.idempotency_crash_process
DATABASE_URL SECRET_KEY PORT POINT MARKER`. It serves the real app, and the first POST
that reaches POINT writes MARKER and stops there for ever, for the test to `kill -9`:

- `taken`: the key is committed in flight, nothing else is done yet;
- `uncommitted`: the post and the key's note are written, their transaction not committed;
- `created`: the post is committed, its answer not yet kept;
- `kept`: the answer is kept, not yet sent.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import uvicorn
from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.idempotency import Decision, IdempotencyGuard, Proceed
from application.ports.clock import Clock
from application.ports.idempotency import StoredResponse
from application.ports.token_cipher import TokenCipher
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from entrypoints.composition import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import load_settings


class Stop:
    def __init__(self, point: str, marker: Path) -> None:
        self.point, self.marker = point, marker

    async def at(self, point: str) -> None:
        if point == self.point and not self.marker.exists():
            self.marker.write_text(point)
            await asyncio.Event().wait()


class StoppingGuard(IdempotencyGuard):
    def __init__(self, factory: UnitOfWorkFactory, clock: Clock, stop: Stop) -> None:
        super().__init__(factory, clock)
        self.stop = stop

    async def begin(self, workspace_id, key, fingerprint) -> Decision:  # type: ignore[no-untyped-def]
        decision = await super().begin(workspace_id, key, fingerprint)
        if isinstance(decision, Proceed):
            await self.stop.at("taken")
        return decision

    async def finish(self, workspace_id, key, response: StoredResponse) -> None:  # type: ignore[no-untyped-def]
        await self.stop.at("created")
        await super().finish(workspace_id, key, response)
        await self.stop.at("kept")


class StoppingUnitOfWork(SqlAlchemyUnitOfWork):
    stop: Stop

    async def commit(self) -> None:
        await self.stop.at("uncommitted")
        await super().commit()


class Stopping(Provider):
    def __init__(self, stop: Stop) -> None:
        super().__init__()
        self.stop = stop

    @provide(scope=Scope.APP)
    def guard(self, factory: UnitOfWorkFactory, clock: Clock) -> IdempotencyGuard:
        return StoppingGuard(factory, clock, self.stop)

    @provide(scope=Scope.REQUEST)
    def uow(self, engine: AsyncEngine, cipher: TokenCipher, clock: Clock) -> UnitOfWork:
        unit = StoppingUnitOfWork(engine, cipher, clock)
        unit.stop = self.stop
        return unit


async def main(url: str, secret: str, port: int, point: str, marker: Path) -> None:
    settings = load_settings(
        {"OPENPOST_DATABASE_URL": url, "OPENPOST_SECRET_KEY": secret, "OPENPOST_RATE_LIMIT": "0"},
        dotenv=None,
    )
    container = build_container(settings, Stopping(Stop(point, marker)))
    config = uvicorn.Config(
        create_app(settings, container), host="127.0.0.1", port=port, log_config=None
    )
    try:
        await uvicorn.Server(config).serve()
    finally:
        await container.close()


if __name__ == "__main__":
    url, secret, port, point, marker = sys.argv[1:6]
    asyncio.run(main(url, secret, int(port), point, Path(marker)))
