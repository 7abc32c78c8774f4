"""A world for the X use cases: memory adapters, a manual clock, the fake X over loopback
HTTP as the live platform, and the simulated X for test workspaces."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import httpx
import pytest

from adapters.clock import ManualClock
from adapters.ids import Uuid7Generator
from adapters.persistence.memory import MemoryStore, MemoryUnitOfWork
from adapters.platforms.directory import StaticPlatformDirectory
from adapters.platforms.simulated import SimulatedGateway, SimulatedTwitterGateway
from adapters.platforms.twitter import x_session
from application.complete_twitter_connect import CompleteTwitterConnect, TwitterCallback
from application.ports.credentials import StoredCredentials
from application.refresh_credentials import RefreshCredentials, RefreshPolicy
from application.simulate_twitter_authorize import SimulateTwitterAuthorize
from application.start_connect import ConnectConfig, OAuthConnect, StartConnect
from application.workspaces import CreatedWorkspace, CreateWorkspace
from domain.integration import Integration
from domain.platform import Platform
from domain.workspace import WorkspaceMode
from tests.fakes.x import DEFAULT_CLIENT, FakeX
from tests.support.x import consent, query_of, x_gateway

NOW = datetime(2026, 4, 17, 10, 0, tzinfo=UTC)
PUBLIC_URL = "https://openpost.example.test"


@dataclass
class TwitterWorld:
    fake: FakeX
    store: MemoryStore
    clock: ManualClock
    browser: httpx.AsyncClient
    directory: StaticPlatformDirectory
    config: ConnectConfig

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)

    async def workspace(self, mode: WorkspaceMode = WorkspaceMode.LIVE) -> CreatedWorkspace:
        return await CreateWorkspace(self.uow(), Uuid7Generator(), self.clock).execute("acme", mode)

    async def start(self, workspace: CreatedWorkspace) -> OAuthConnect:
        started = await StartConnect(self.uow(), self.clock, self.config).execute(
            workspace.workspace.id, workspace.workspace.mode, Platform.TWITTER
        )
        assert isinstance(started, OAuthConnect)
        return started

    async def authorize(self, workspace: CreatedWorkspace) -> TwitterCallback:
        """Starts a connect and consents, as the browser would: the callback's query."""
        started = await self.start(workspace)
        if workspace.workspace.mode is WorkspaceMode.TEST:
            location = await self.simulate().execute(
                started.state, query_of(started.url)["code_challenge"]
            )
        else:
            location = await consent(self.browser, started.url)
        query = query_of(location)
        return TwitterCallback(query.get("state"), query.get("code"), query.get("error"))

    def complete(self) -> CompleteTwitterConnect:
        return CompleteTwitterConnect(self.uow(), self.clock, Uuid7Generator(), self.directory)

    def simulate(self) -> SimulateTwitterAuthorize:
        simulated = self.directory.twitter(WorkspaceMode.TEST)
        assert isinstance(simulated, SimulatedTwitterGateway)
        return SimulateTwitterAuthorize(self.uow(), self.clock, simulated)

    def refresher(self, margin_s: float = 300) -> RefreshCredentials:
        return RefreshCredentials(self.uow, self.clock, self.directory, RefreshPolicy(margin_s))

    async def connect(self, workspace: CreatedWorkspace) -> Integration:
        return (await self.complete().execute(await self.authorize(workspace))).integration

    async def integration(self, integration_id: UUID) -> Integration:
        async with self.uow() as uow:
            found = await uow.integrations.get_any(integration_id)
        assert found is not None
        return found

    async def stored(self, integration_id: UUID) -> StoredCredentials | None:
        async with self.uow() as uow:
            return await uow.credentials.get(integration_id)


@pytest.fixture(name="world")
async def world_fixture(fake_x: FakeX) -> AsyncIterator[TwitterWorld]:
    clock = ManualClock(NOW)
    config = ConnectConfig(
        public_url=PUBLIC_URL,
        twitter_client_id=DEFAULT_CLIENT.client_id,
        twitter_authorize_url=fake_x.url("/i/oauth2/authorize"),
    )
    fake_x.register_client(
        DEFAULT_CLIENT.client_id, DEFAULT_CLIENT.secret, [config.twitter_redirect_uri]
    )
    async with (
        x_session(5) as http,
        httpx.AsyncClient(follow_redirects=False, timeout=5) as browser,
    ):
        directory = StaticPlatformDirectory(
            live={Platform.TWITTER: x_gateway(fake_x, http, clock)},
            simulated={
                Platform.TWITTER: SimulatedTwitterGateway(clock),
                Platform.BLUESKY: SimulatedGateway(Platform.BLUESKY, clock),
            },
        )
        yield TwitterWorld(fake_x, MemoryStore(), clock, browser, directory, config)
