"""The composition root: dishka providers grouped by what they wire.

Every entrypoint builds its own container with `build_container`; nothing is built at
import. Tests pass extra providers to swap a piece (a manual clock, a fake platform)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import SystemClock
from adapters.crypto import FernetTokenCipher, generate_key, load_or_create_key_file
from adapters.ids import Uuid7Generator
from adapters.persistence.sqlalchemy.engine import create_engine
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from adapters.platforms.directory import StaticPlatformDirectory
from adapters.platforms.simulated import SimulatedGateway
from application.api_keys import CreateApiKey, ListApiKeys, RevokeApiKey
from application.authenticate import AuthenticateApiKey
from application.disconnect_integration import DisconnectIntegration
from application.find_next_slot import FindNextSlot
from application.get_integration import GetIntegration
from application.list_integrations import ListIntegrations
from application.ports.clock import Clock
from application.ports.ids import IdGenerator
from application.ports.platform_directory import PlatformDirectory
from application.ports.token_cipher import TokenCipher
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.start_connect import ConnectConfig, StartConnect
from application.workspaces import CreateWorkspace, EnsureDemoWorkspace, ListWorkspaces
from domain.platform import Platform
from entrypoints.settings import Settings

KEY_FILE_NAME = "openpost.key"


def secret_keys(settings: Settings) -> list[str]:
    """Configured keys, or the embedded default: a key file beside the SQLite database."""
    if settings.secret_keys:
        return list(settings.secret_keys)
    path = settings.sqlite_path
    if path is None:
        return [generate_key()]
    return [load_or_create_key_file(path.parent / KEY_FILE_NAME)]


class InfrastructureProvider(Provider):
    settings = from_context(provides=Settings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    async def engine(self, settings: Settings) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(settings.database_url)
        yield engine
        await engine.dispose()

    @provide(scope=Scope.APP)
    def cipher(self, settings: Settings) -> TokenCipher:
        return FernetTokenCipher(secret_keys(settings))

    @provide(scope=Scope.APP)
    def clock(self) -> Clock:
        return SystemClock()

    @provide(scope=Scope.APP)
    def ids(self) -> IdGenerator:
        return Uuid7Generator()

    @provide(scope=Scope.APP)
    def uow_factory(
        self, engine: AsyncEngine, cipher: TokenCipher, clock: Clock
    ) -> UnitOfWorkFactory:
        return lambda: SqlAlchemyUnitOfWork(engine, cipher, clock)

    @provide(scope=Scope.REQUEST)
    def uow(self, factory: UnitOfWorkFactory) -> UnitOfWork:
        return factory()


class PlatformProvider(Provider):
    @provide(scope=Scope.APP)
    def directory(self, clock: Clock) -> PlatformDirectory:
        simulated = {p: SimulatedGateway(p, clock) for p in (Platform.TWITTER, Platform.BLUESKY)}
        return StaticPlatformDirectory(live={}, simulated=simulated)

    @provide(scope=Scope.APP)
    def connect_config(self, settings: Settings) -> ConnectConfig:
        return ConnectConfig(
            public_url=settings.public_url,
            twitter_client_id=settings.twitter_client_id,
            twitter_authorize_url=settings.twitter_authorize_url,
            state_ttl=timedelta(seconds=settings.oauth_state_ttl_s),
        )


class UseCaseProvider(Provider):
    scope = Scope.REQUEST

    list_integrations = provide(ListIntegrations)
    get_integration = provide(GetIntegration)
    start_connect = provide(StartConnect)
    find_next_slot = provide(FindNextSlot)
    disconnect = provide(DisconnectIntegration)
    create_workspace = provide(CreateWorkspace)
    list_workspaces = provide(ListWorkspaces)
    ensure_demo = provide(EnsureDemoWorkspace)
    create_key = provide(CreateApiKey)
    list_keys = provide(ListApiKeys)
    revoke_key = provide(RevokeApiKey)

    @provide(scope=Scope.APP)
    def authenticate(self, factory: UnitOfWorkFactory, settings: Settings) -> AuthenticateApiKey:
        return AuthenticateApiKey(factory, ttl_s=settings.api_key_cache_s)


def build_container(settings: Settings, *overrides: Provider) -> AsyncContainer:
    return make_async_container(
        InfrastructureProvider(),
        PlatformProvider(),
        UseCaseProvider(),
        *overrides,
        context={Settings: settings},
    )
