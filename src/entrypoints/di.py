"""The composition root: dishka providers grouped by what they wire.

Every entrypoint builds its own container with `build_container`; nothing is built at
import. Tests pass extra providers to swap a piece (a manual clock, a fake platform)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from datetime import timedelta

from dishka import (
    AnyOf,
    AsyncContainer,
    Provider,
    Scope,
    from_context,
    make_async_container,
    provide,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import SystemClock
from adapters.crypto import FernetTokenCipher, generate_key, load_or_create_key_file
from adapters.decorators.principals import CachedPrincipals
from adapters.ids import Uuid7Generator
from adapters.persistence.sqlalchemy.engine import create_engine
from adapters.persistence.sqlalchemy.reads import ReadConnections, SqlAlchemyReadUnitOfWork
from adapters.persistence.sqlalchemy.revisions import SqlAlchemyIntegrationRevisions
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from adapters.platforms.directory import StaticPlatformDirectory
from adapters.platforms.simulated import (
    SimulatedBlueskyGateway,
    SimulatedGateway,
    SimulatedTwitterGateway,
)
from adapters.rate_limit.memory import MemoryRateLimiter
from application.api_keys import CreateApiKey, ListApiKeys, RevokeApiKey
from application.authenticate import AuthenticateApiKey, StoredPrincipals
from application.complete_twitter_connect import CompleteTwitterConnect
from application.connect_bluesky import ConnectBluesky
from application.delete_queue import DeleteQueue
from application.disconnect_integration import DisconnectIntegration
from application.find_next_slot import FindNextSlot
from application.get_integration import GetIntegration
from application.get_queue import GetQueue
from application.list_integrations import ListIntegrations
from application.list_slots import ListSlots
from application.ports.api_keys import PrincipalLookup
from application.ports.clock import Clock
from application.ports.ids import IdGenerator
from application.ports.platform_directory import PlatformDirectory
from application.ports.platforms import PlatformGateway
from application.ports.rate_limiter import RateLimiter
from application.ports.revisions import IntegrationRevisions
from application.ports.token_cipher import TokenCipher
from application.ports.twitter import SimulatedConsent
from application.ports.unit_of_work import (
    ReadOnlyUnitOfWork,
    ReadOnlyUnitOfWorkFactory,
    UnitOfWork,
    UnitOfWorkFactory,
)
from application.refresh_credentials import RefreshCredentials, RefreshPolicy
from application.set_queue import SetQueue
from application.simulate_twitter_authorize import SimulateTwitterAuthorize
from application.start_connect import ConnectConfig, StartConnect
from application.workspaces import CreateWorkspace, EnsureDemoWorkspace, ListWorkspaces
from domain.platform import Platform
from entrypoints.di_media import MediaProvider
from entrypoints.di_metrics import MetricsProvider
from entrypoints.di_posts import PostProvider
from entrypoints.di_security import LoginLimitProvider
from entrypoints.di_webhooks import WebhookProvider
from entrypoints.http.dashboard.session import SessionSealer
from entrypoints.http.rendered import RenderedAnswers
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
        # Room for the HTTP requests in flight (20, as measured in BENCHMARKS.md). A publish
        # in flight holds none: its claim read what it needs and its outcome joins a shared
        # write; only a token refresh holds one while it waits on the platform.
        engine = create_engine(
            settings.database_url,
            pool_size=20,
            statement_timeout_s=settings.statement_timeout_ms / 1000,
            lock_timeout_s=settings.lock_timeout_ms / 1000,
        )
        yield engine
        await engine.dispose()

    @provide(scope=Scope.APP)
    def cipher(self, settings: Settings) -> TokenCipher:
        return FernetTokenCipher(secret_keys(settings))

    @provide(scope=Scope.APP)
    def session_sealer(self, settings: Settings) -> SessionSealer:
        return SessionSealer(secret_keys(settings))

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

    @provide(scope=Scope.APP)
    def reads(self, engine: AsyncEngine) -> Iterator[ReadConnections]:
        reads = ReadConnections(engine)
        yield reads
        reads.dispose()

    @provide(scope=Scope.APP)
    def read_factory(
        self, reads: ReadConnections, cipher: TokenCipher, clock: Clock
    ) -> ReadOnlyUnitOfWorkFactory:
        return lambda: SqlAlchemyReadUnitOfWork(reads, cipher, clock)

    @provide(scope=Scope.APP)
    def revisions(self, reads: ReadConnections) -> IntegrationRevisions:
        return SqlAlchemyIntegrationRevisions(reads)

    @provide(scope=Scope.REQUEST)
    def read_uow(self, factory: ReadOnlyUnitOfWorkFactory) -> ReadOnlyUnitOfWork:
        return factory()


class PlatformProvider(Provider):
    simulated_twitter = provide(
        SimulatedTwitterGateway,
        scope=Scope.APP,
        provides=AnyOf[SimulatedTwitterGateway, SimulatedConsent],
    )

    @provide(scope=Scope.APP)
    async def directory(
        self,
        clock: Clock,
        settings: Settings,
        simulated_twitter: SimulatedTwitterGateway,
    ) -> AsyncIterator[PlatformDirectory]:
        """The live adapters are imported here, on first need (a publish or a connect), not
        at start-up: with their HTTP clients they were about half a second of every start."""
        simulated = {p: SimulatedGateway(p, clock) for p in (Platform.TWITTER, Platform.BLUESKY)}
        simulated[Platform.TWITTER] = simulated_twitter
        simulated[Platform.BLUESKY] = SimulatedBlueskyGateway(clock)
        async with AsyncExitStack() as stack:
            live = {Platform.BLUESKY: await _live_bluesky(settings, stack)}
            if settings.twitter_client_id:
                x = await _live_twitter(settings, settings.twitter_client_id, clock, stack)
                live[Platform.TWITTER] = x
            yield StaticPlatformDirectory(live=live, simulated=simulated)

    @provide(scope=Scope.APP)
    def connect_config(self, settings: Settings) -> ConnectConfig:
        return ConnectConfig(
            public_url=settings.public_url,
            twitter_client_id=settings.twitter_client_id,
            twitter_authorize_url=settings.twitter_authorize_url,
            state_ttl=timedelta(seconds=settings.oauth_state_ttl_s),
        )


async def _live_bluesky(settings: Settings, stack: AsyncExitStack) -> PlatformGateway:
    """Live Bluesky against BLUESKY_SERVICE_URL; its SDK client is made on first use."""
    from adapters.media.reencode import PillowImageFitter
    from adapters.platforms.bluesky import AtprotoBlueskyGateway

    gateway = AtprotoBlueskyGateway(
        settings.bluesky_service_url,
        timeout=settings.platform_timeout_s,
        fitter=PillowImageFitter(),
    )
    stack.push_async_callback(gateway.aclose)
    return gateway


async def _live_twitter(
    settings: Settings, client_id: str, clock: Clock, stack: AsyncExitStack
) -> PlatformGateway:
    """X through one pooled aiohttp session, closed with the container; each phase of a
    request (pool wait and connect, every read) times out after PLATFORM_TIMEOUT_S."""
    from adapters.media.reencode import PillowImageFitter
    from adapters.platforms.twitter import AiohttpTwitterGateway, x_session

    http = await stack.enter_async_context(x_session(settings.platform_timeout_s))
    return AiohttpTwitterGateway(
        http,
        clock,
        api_url=settings.twitter_api_url,
        client_id=client_id,
        client_secret=settings.twitter_client_secret,
        fitter=PillowImageFitter(),
        media_poll_cap_s=settings.twitter_media_poll_max_s,
    )


PERIOD_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


class RateLimitProvider(Provider):
    @provide(scope=Scope.APP)
    async def rate_limiter(self, settings: Settings, clock: Clock) -> AsyncIterator[RateLimiter]:
        """In-process counters, or Redis's when `REDIS_URL` is set (shared by processes).
        Windows follow the clock port, so a test's manual clock moves them too."""
        if settings.rate_limit is None:
            raise ValueError("rate limiting is disabled (RATE_LIMIT=0)")
        count, period = settings.rate_limit
        period_s = PERIOD_SECONDS[period]

        def now() -> float:
            return clock.now().timestamp()

        limiter: RateLimiter
        if settings.redis_url:
            # Only then: the client's import is a tenth of a second of every start-up.
            from adapters.rate_limit.redis import RedisRateLimiter

            limiter = RedisRateLimiter.from_url(settings.redis_url, count, period_s, now)
        else:
            limiter = MemoryRateLimiter(count, period_s, now)
        yield limiter
        await limiter.close()


class UseCaseProvider(Provider):
    scope = Scope.REQUEST

    # Hot reads live as long as the process (each call opens its own unit of work), so a
    # request that needs nothing else skips the request scope entirely.
    list_integrations = provide(ListIntegrations, scope=Scope.APP)
    get_integration = provide(GetIntegration, scope=Scope.APP)
    find_next_slot = provide(FindNextSlot, scope=Scope.APP)
    get_queue = provide(GetQueue, scope=Scope.APP)
    list_slots = provide(ListSlots, scope=Scope.APP)
    set_queue = provide(SetQueue)
    delete_queue = provide(DeleteQueue)
    start_connect = provide(StartConnect)
    disconnect = provide(DisconnectIntegration)
    create_workspace = provide(CreateWorkspace)
    list_workspaces = provide(ListWorkspaces)
    ensure_demo = provide(EnsureDemoWorkspace)
    create_key = provide(CreateApiKey)
    list_keys = provide(ListApiKeys)
    revoke_key = provide(RevokeApiKey)
    complete_twitter_connect = provide(CompleteTwitterConnect)
    connect_bluesky = provide(ConnectBluesky)
    simulate_twitter_authorize = provide(SimulateTwitterAuthorize)
    refresh_credentials = provide(RefreshCredentials, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def refresh_policy(self, settings: Settings) -> RefreshPolicy:
        return RefreshPolicy(margin_s=settings.refresh_margin_s)

    @provide(scope=Scope.APP)
    def rendered_answers(
        self, settings: Settings, revisions: IntegrationRevisions
    ) -> RenderedAnswers:
        """List and get answers kept as bytes while the workspace's revision holds."""
        return RenderedAnswers(settings.read_cache_bytes, revisions)

    authenticate = provide(AuthenticateApiKey, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def principals(
        self, factory: ReadOnlyUnitOfWorkFactory, settings: Settings
    ) -> PrincipalLookup:
        """Keys are read once per API_KEY_CACHE_S at most, per process."""
        return CachedPrincipals(StoredPrincipals(factory), ttl_s=settings.api_key_cache_s)


def build_container(settings: Settings, *overrides: Provider) -> AsyncContainer:
    return make_async_container(
        InfrastructureProvider(),
        PlatformProvider(),
        RateLimitProvider(),
        UseCaseProvider(),
        PostProvider(),
        LoginLimitProvider(),
        MediaProvider(),
        WebhookProvider(),
        MetricsProvider(),
        *overrides,
        context={Settings: settings},
    )
