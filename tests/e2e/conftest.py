"""The HTTP API in-process, on SQLite and on PostgreSQL, with a clock tests can move."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from dishka import AsyncContainer, Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import ManualClock
from adapters.crypto import generate_key
from adapters.persistence.sqlalchemy.migrate import upgrade
from application.ports.clock import Clock
from application.workspaces import CreatedWorkspace, CreateWorkspace
from domain.workspace import WorkspaceMode
from entrypoints.composition import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import load_settings
from tests.support.asgi import client_for
from tests.support.postgres import temporary_database

START = datetime(2026, 4, 17, 10, 30, 15, tzinfo=UTC)


class ClockOverride(Provider):
    def __init__(self, clock: ManualClock) -> None:
        super().__init__()
        self._clock = clock

    @provide(scope=Scope.APP)
    def clock(self) -> Clock:
        return self._clock


@dataclass
class Api:
    client: httpx.AsyncClient
    container: AsyncContainer
    clock: ManualClock
    app: Any = None  # the ASGI app under test (the gate; `.litestar` behind it)

    async def workspace(
        self, name: str = "acme", mode: WorkspaceMode = WorkspaceMode.TEST
    ) -> CreatedWorkspace:
        async with self.container() as scope:
            return await (await scope.get(CreateWorkspace)).execute(name, mode)

    @staticmethod
    def auth(created: CreatedWorkspace) -> dict[str, str]:
        return {"Authorization": f"Bearer {created.api_key.plaintext}"}


def settings_for(url: str, **extra: str) -> Any:
    env = {"OPENPOST_DATABASE_URL": url, "OPENPOST_SECRET_KEY": generate_key(), **extra}
    return load_settings(env, dotenv=None)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, sqlite_url: str) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield sqlite_url
    else:
        async with temporary_database() as url:
            yield url


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    clock = ManualClock(START)
    settings = settings_for(database_url)
    container = build_container(settings, ClockOverride(clock))
    await upgrade(await container.get(AsyncEngine))
    app = create_app(settings, container)
    try:
        async with client_for(app) as client:
            yield Api(client=client, container=container, clock=clock, app=app)
    finally:
        await container.close()
