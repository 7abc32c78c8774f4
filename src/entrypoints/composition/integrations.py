"""Providers for the integrations' use cases."""

from __future__ import annotations

from datetime import timedelta

from dishka import (
    Provider,
    Scope,
    provide,
)

from adapters.decorators.kept_slot_reads import KeptSlotReads
from application.complete_twitter_connect import CompleteTwitterConnect
from application.connect_bluesky import ConnectBluesky
from application.disconnect_integration import DisconnectIntegration
from application.find_next_slot import FindNextSlot
from application.get_integration import GetIntegration
from application.integration_slots import SlotReadsThrough
from application.list_integrations import ListIntegrations
from application.ports.clock import Clock
from application.ports.revisions import IntegrationRevisions, SlotRevisions
from application.ports.slot_reads import SlotReadsFactory
from application.ports.unit_of_work import ReadOnlyUnitOfWorkFactory
from application.refresh_credentials import RefreshCredentials, RefreshPolicy
from application.simulate_twitter_authorize import SimulateTwitterAuthorize
from application.start_connect import ConnectConfig, StartConnect
from entrypoints.http.rendered import RenderedAnswers
from entrypoints.http.rendered_slots import ANSWER_BYTES, RenderedSlots
from entrypoints.settings import Settings


class IntegrationProvider(Provider):
    """Connecting, reading and disconnecting integrations, refreshing their credentials,
    and the edge's rendered reads of them."""

    scope = Scope.REQUEST

    # Hot reads live as long as the process (each call opens its own unit of work), so a
    # request that needs nothing else skips the request scope entirely.
    list_integrations = provide(ListIntegrations, scope=Scope.APP)
    get_integration = provide(GetIntegration, scope=Scope.APP)
    find_next_slot = provide(FindNextSlot, scope=Scope.APP)
    start_connect = provide(StartConnect)
    complete_twitter_connect = provide(CompleteTwitterConnect)
    connect_bluesky = provide(ConnectBluesky)
    simulate_twitter_authorize = provide(SimulateTwitterAuthorize)
    disconnect = provide(DisconnectIntegration)
    refresh_credentials = provide(RefreshCredentials, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def connect_config(self, settings: Settings) -> ConnectConfig:
        return ConnectConfig(
            public_url=settings.public_url,
            twitter_client_id=settings.twitter_client_id,
            twitter_authorize_url=settings.twitter_authorize_url,
            state_ttl=timedelta(seconds=settings.oauth_state_ttl_s),
        )

    @provide(scope=Scope.APP)
    def refresh_policy(self, settings: Settings) -> RefreshPolicy:
        return RefreshPolicy(margin_s=settings.refresh_margin_s)

    @provide(scope=Scope.APP)
    def rendered_answers(
        self, settings: Settings, revisions: IntegrationRevisions
    ) -> RenderedAnswers:
        """List and get answers kept as bytes while the workspace's revision holds."""
        return RenderedAnswers(settings.read_cache_bytes, revisions)

    @provide(scope=Scope.APP)
    def rendered_slots(
        self,
        settings: Settings,
        use_case: FindNextSlot,
        revisions: SlotRevisions,
        clock: Clock,
    ) -> RenderedSlots:
        """Next-slot answers kept while their slot revision holds and a search now would
        find the same slot (bounded by `READ_CACHE_MB`, about 512 bytes an answer)."""
        return RenderedSlots(use_case, revisions, clock, settings.read_cache_bytes // ANSWER_BYTES)

    @provide(scope=Scope.APP)
    def slot_reads(
        self,
        settings: Settings,
        reads: ReadOnlyUnitOfWorkFactory,
        revisions: SlotRevisions,
    ) -> SlotReadsFactory:
        """Next-slot's inputs kept while the integration's slot revision holds (bounded by
        a share of `READ_CACHE_MB`, about 64 bytes a busy time; 0 reads every time)."""
        through = SlotReadsThrough(reads)
        if settings.read_cache_bytes <= 0:
            return through
        return KeptSlotReads(through, revisions, max_times=settings.read_cache_bytes // 64)
