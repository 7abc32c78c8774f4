"""The platforms: live gateways (loaded on first need) and the simulated ones, by workspace mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

from dishka import (
    AnyOf,
    Provider,
    Scope,
    provide,
)

from adapters.platforms.directory import StaticPlatformDirectory
from adapters.platforms.simulated import (
    SimulatedBlueskyGateway,
    SimulatedGateway,
    SimulatedTwitterGateway,
)
from application.ports.clock import Clock
from application.ports.platform_directory import PlatformDirectory
from application.ports.platforms import PlatformGateway
from application.ports.twitter import SimulatedConsent
from domain.platform import Platform
from entrypoints.settings import Settings


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
