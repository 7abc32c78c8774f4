"""ConnectBluesky over memory adapters: the simulated platform for test workspaces, and the
real gateway against the local PDS for live ones."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from adapters.clock import ManualClock
from adapters.ids import Uuid7Generator
from adapters.persistence.memory import MemoryStore, MemoryUnitOfWork
from adapters.platforms.bluesky import AtprotoBlueskyGateway
from adapters.platforms.directory import StaticPlatformDirectory
from adapters.platforms.simulated import SIMULATED_APP_PASSWORD, SimulatedBlueskyGateway
from adapters.rate_limit.failed_attempts_memory import MemoryFailedAttempts
from application.connect_bluesky import ConnectBluesky
from application.disconnect_integration import DisconnectIntegration
from application.errors import DatabaseUnavailable
from application.login_throttle import LoginLimits, LoginThrottle
from application.ports.bluesky import BlueskyLogin, InvalidCredentials
from application.ports.credentials import Credentials
from application.workspaces import CreatedWorkspace, CreateWorkspace
from domain.integration import Connection, Integration, IntegrationStatus, IntegrationWarning
from domain.platform import Platform
from domain.workspace import WorkspaceMode
from tests.peers.bluesky_pds import LocalPds

NOW = datetime(2026, 4, 17, 10, 0, tzinfo=UTC)


class RecordingBluesky(SimulatedBlueskyGateway):
    """The simulated platform, noting the sessions ended and whether a transaction was open
    while it logged in; `during_login` runs in the middle of a login."""

    def __init__(self, clock: ManualClock, store: MemoryStore) -> None:
        super().__init__(clock)
        self.store = store
        self.locked_during_login: list[bool] = []
        self.ended: list[Credentials] = []
        self.during_login: Callable[[], Awaitable[None]] | None = None

    async def login(self, identifier: str, password: str) -> BlueskyLogin:
        self.locked_during_login.append(self.store.lock.locked())
        if self.during_login is not None:
            await self.during_login()
        return await super().login(identifier, password)

    async def revoke(self, credentials: Credentials) -> None:
        self.ended.append(credentials)


class CommitFails(MemoryUnitOfWork):
    """A database that goes away at commit."""

    async def commit(self) -> None:
        raise DatabaseUnavailable("gone")


class World:
    def __init__(self, live: AtprotoBlueskyGateway | None = None) -> None:
        self.store = MemoryStore()
        self.clock = ManualClock(NOW)
        self.simulated = RecordingBluesky(self.clock, self.store)
        self.directory = StaticPlatformDirectory(
            live={Platform.BLUESKY: live} if live else {},
            simulated={Platform.BLUESKY: self.simulated},
        )
        self.attempts = MemoryFailedAttempts(lambda: self.clock.now().timestamp())
        self.throttle = LoginThrottle(self.attempts, LoginLimits())

    async def workspace(self, mode: WorkspaceMode) -> CreatedWorkspace:
        uow = MemoryUnitOfWork(self.store)
        return await CreateWorkspace(uow, Uuid7Generator(), self.clock).execute("acme", mode)

    async def connect(
        self, workspace: CreatedWorkspace, identifier: str, password: str
    ) -> Connection:
        use_case = ConnectBluesky(
            MemoryUnitOfWork(self.store),
            self.clock,
            Uuid7Generator(),
            self.directory,
            self.throttle,
        )
        ws = workspace.workspace
        return await use_case.execute(ws.id, ws.mode, identifier, password)

    async def disconnect(self, workspace: CreatedWorkspace, integration: Integration) -> None:
        use_case = DisconnectIntegration(MemoryUnitOfWork(self.store), self.clock, self.directory)
        await use_case.execute(workspace.workspace.id, workspace.workspace.mode, integration.id)

    def stored(self, integration: Integration) -> Credentials | None:
        found = self.store.credentials.get(integration.id)
        return found.credentials if found else None


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
async def live_world(bluesky_pds: LocalPds) -> AsyncIterator[World]:
    gateway = AtprotoBlueskyGateway(bluesky_pds.url, timeout=10)
    yield World(gateway)
    await gateway.aclose()


# ---- test workspaces: the simulated platform ---------------------------------------------


async def test_a_test_workspace_connects_any_handle_with_the_test_password(world: World) -> None:
    ws = await world.workspace(WorkspaceMode.TEST)

    done = await world.connect(ws, "@Someone.bsky.social", SIMULATED_APP_PASSWORD)

    assert done.reactivated is False
    integration = done.integration
    assert integration.platform is Platform.BLUESKY
    assert integration.username == "someone.bsky.social"
    assert integration.status is IntegrationStatus.ACTIVE
    assert integration.connected_at == NOW
    assert world.stored(integration) is not None
    assert world.simulated.locked_during_login == [False]


async def test_any_other_password_is_refused_and_nothing_is_stored(world: World) -> None:
    ws = await world.workspace(WorkspaceMode.TEST)
    before = dict(world.store.integrations)

    with pytest.raises(InvalidCredentials):
        await world.connect(ws, "someone.bsky.social", "abcd-efgh-ijkl-mnop")

    assert world.store.integrations == before


async def test_connecting_the_same_account_again_reactivates_it(world: World) -> None:
    ws = await world.workspace(WorkspaceMode.TEST)
    first = await world.connect(ws, "someone.bsky.social", SIMULATED_APP_PASSWORD)
    old = world.stored(first.integration)
    await world.disconnect(ws, first.integration)
    world.clock.advance(timedelta(minutes=5))

    again = await world.connect(ws, "someone.bsky.social", SIMULATED_APP_PASSWORD)

    assert again.reactivated is True
    assert again.integration.id == first.integration.id
    assert again.integration.status is IntegrationStatus.ACTIVE
    assert again.integration.status_reason is None
    assert again.integration.connected_at == NOW + timedelta(minutes=5)
    assert world.stored(again.integration) not in (None, old)


async def test_the_demo_handle_reactivates_the_synthetic_account(world: World) -> None:
    ws = await world.workspace(WorkspaceMode.TEST)
    synthetic = next(i for i in ws.integrations if i.platform is Platform.BLUESKY)

    done = await world.connect(ws, synthetic.username, SIMULATED_APP_PASSWORD)

    assert done.reactivated is True and done.integration.id == synthetic.id


async def test_reconnecting_ends_the_replaced_session(world: World) -> None:
    ws = await world.workspace(WorkspaceMode.TEST)
    first = await world.connect(ws, "someone.bsky.social", SIMULATED_APP_PASSWORD)
    old = world.stored(first.integration)

    await world.connect(ws, "someone.bsky.social", SIMULATED_APP_PASSWORD)

    assert world.simulated.ended == [old]


async def test_a_connect_that_raced_another_reactivates_the_winner(world: World) -> None:
    ws = await world.workspace(WorkspaceMode.TEST)

    async def a_concurrent_connect() -> None:
        world.simulated.during_login = None
        await world.connect(ws, "someone.bsky.social", SIMULATED_APP_PASSWORD)

    world.simulated.during_login = a_concurrent_connect
    done = await world.connect(ws, "someone.bsky.social", SIMULATED_APP_PASSWORD)

    assert done.reactivated is True
    assert (
        len([i for i in world.store.integrations.values() if i.username == "someone.bsky.social"])
        == 1
    )
    assert len(world.simulated.ended) == 1  # the concurrent connect's session, replaced


async def test_a_session_that_cannot_be_stored_is_ended(world: World) -> None:
    ws = await world.workspace(WorkspaceMode.TEST)
    use_case = ConnectBluesky(
        CommitFails(world.store), world.clock, Uuid7Generator(), world.directory, world.throttle
    )

    with pytest.raises(DatabaseUnavailable):
        await use_case.execute(
            ws.workspace.id, ws.workspace.mode, "someone.bsky.social", SIMULATED_APP_PASSWORD
        )

    assert len(world.simulated.ended) == 1
    assert not any(i.username == "someone.bsky.social" for i in world.store.integrations.values())


# ---- live workspaces: the real gateway against the local PDS -----------------------------


@pytest.mark.pds
async def test_a_live_workspace_connects_through_bluesky(
    live_world: World, bluesky_pds: LocalPds
) -> None:
    account = bluesky_pds.create_account(display_name="Ada")
    app_password = bluesky_pds.create_app_password(account)
    ws = await live_world.workspace(WorkspaceMode.LIVE)

    done = await live_world.connect(ws, account.handle, app_password)

    assert done.reactivated is False
    assert (done.integration.platform_user_id, done.integration.username) == (
        account.did,
        account.handle,
    )
    assert done.integration.display_name == "Ada"
    assert done.integration.warnings == ()
    stored = live_world.stored(done.integration)
    assert stored is not None and stored.password == app_password


@pytest.mark.pds
async def test_a_live_reconnect_keeps_the_id_and_ends_the_old_session(
    live_world: World, bluesky_pds: LocalPds
) -> None:
    account = bluesky_pds.create_account()
    app_password = bluesky_pds.create_app_password(account)
    ws = await live_world.workspace(WorkspaceMode.LIVE)
    first = await live_world.connect(ws, account.handle, app_password)
    old = live_world.stored(first.integration)
    assert old is not None and old.refresh_token is not None

    again = await live_world.connect(ws, account.handle, app_password)

    assert again.reactivated is True and again.integration.id == first.integration.id
    refused = bluesky_pds.xrpc(
        "com.atproto.server.refreshSession", post=True, token=old.refresh_token
    )
    assert refused.status_code == 400


@pytest.mark.pds
async def test_a_main_password_connects_with_a_warning(
    live_world: World, bluesky_pds: LocalPds
) -> None:
    account = bluesky_pds.create_account()
    ws = await live_world.workspace(WorkspaceMode.LIVE)

    done = await live_world.connect(ws, account.handle, account.password)

    assert done.integration.warnings == (IntegrationWarning.MAIN_PASSWORD_USED,)
    stored = live_world.stored(done.integration)
    assert stored is not None and stored.password is None


@pytest.mark.pds
async def test_a_live_wrong_password_stores_nothing(
    live_world: World, bluesky_pds: LocalPds
) -> None:
    account = bluesky_pds.create_account()
    ws = await live_world.workspace(WorkspaceMode.LIVE)

    with pytest.raises(InvalidCredentials):
        await live_world.connect(ws, account.handle, "abcd-efgh-ijkl-mnop")

    assert live_world.store.integrations == {}
