"""Providers for publishing: what the worker runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.decorators.outcomes import BatchingOutcomeRecorder
from adapters.persistence.sqlalchemy.part_writer import SqlitePartWriter
from application.claim_due_targets import ClaimDueTargets
from application.expire_leases import ExpireLeases
from application.ports.clock import Clock
from application.ports.link_cards import LinkCardSource
from application.ports.media_store import MediaStore
from application.ports.platform_directory import PlatformDirectory
from application.ports.unit_of_work import UnitOfWorkFactory
from application.publish_target import PublishTarget
from application.record_outcomes import RecordOutcomes
from application.release_claims import ReleaseClaims
from application.usable_credentials import GetUsableCredentials
from entrypoints.settings import Settings


class PublishingProvider(Provider):
    """The publisher and what it shares with the worker: claims, leases, usable
    credentials, link cards, and the outcome recorder it publishes through."""

    expire_leases = provide(ExpireLeases, scope=Scope.APP)

    release_claims = provide(ReleaseClaims, scope=Scope.APP)

    usable_credentials = provide(GetUsableCredentials, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def publish_target(
        self,
        factory: UnitOfWorkFactory,
        clock: Clock,
        platforms: PlatformDirectory,
        credentials: GetUsableCredentials,
        media_store: MediaStore,
        settings: Settings,
        cards: LinkCardSource,
        engine: AsyncEngine,
    ) -> PublishTarget:
        """Outcomes that arrive together are recorded in one transaction; on SQLite a
        thread's parts in one trip to the driver's thread (`SqlitePartWriter`)."""
        lease = timedelta(seconds=settings.publish_lease_s)
        parts = SqlitePartWriter(engine) if settings.is_sqlite else None
        outcomes = BatchingOutcomeRecorder(RecordOutcomes(factory, clock, parts))
        return PublishTarget(
            factory,
            clock,
            platforms,
            credentials,
            media_store,
            lease=lease,
            cards=cards,
            outcomes=outcomes,
        )

    @provide(scope=Scope.APP)
    async def link_cards(self, settings: Settings) -> AsyncIterator[LinkCardSource]:
        """Bluesky link cards, read through the guarded fetcher; closed with the app. Made
        on first need: the fetcher brings aiohttp, which a `serve` start never needs."""
        from adapters.fetch.fetcher import GuardedFetcher
        from adapters.fetch.policy import AddressPolicy
        from adapters.link_cards import OpenGraphLinkCards

        fetcher = GuardedFetcher(AddressPolicy(allow_private=settings.fetch_allow_private))
        try:
            yield OpenGraphLinkCards(fetcher)
        finally:
            await fetcher.close()

    @provide(scope=Scope.APP)
    def claim_due_targets(
        self, factory: UnitOfWorkFactory, clock: Clock, settings: Settings
    ) -> ClaimDueTargets:
        return ClaimDueTargets(factory, clock, timedelta(seconds=settings.publish_lease_s))
