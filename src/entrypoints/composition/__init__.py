"""The composition root: one dishka provider per thing provided, in small modules.

Every entrypoint builds its own container with `build_container`; nothing is built at
import. Tests pass extra providers to swap a piece (a manual clock, a fake platform)."""

from __future__ import annotations

from dishka import AsyncContainer, Provider, make_async_container

from entrypoints.composition.infrastructure import InfrastructureProvider
from entrypoints.composition.integrations import IntegrationProvider
from entrypoints.composition.limits import LoginLimitProvider, RateLimitProvider
from entrypoints.composition.media import MediaProvider
from entrypoints.composition.metrics import MetricsProvider
from entrypoints.composition.platforms import PlatformProvider
from entrypoints.composition.posts import PostProvider
from entrypoints.composition.publishing import PublishingProvider
from entrypoints.composition.queues import QueueProvider
from entrypoints.composition.webhooks import WebhookProvider
from entrypoints.composition.workspaces import WorkspaceProvider
from entrypoints.settings import Settings

__all__ = ["build_container"]


def build_container(settings: Settings, *overrides: Provider) -> AsyncContainer:
    return make_async_container(
        InfrastructureProvider(),
        PlatformProvider(),
        RateLimitProvider(),
        LoginLimitProvider(),
        WorkspaceProvider(),
        IntegrationProvider(),
        QueueProvider(),
        PostProvider(),
        PublishingProvider(),
        MediaProvider(),
        WebhookProvider(),
        MetricsProvider(),
        *overrides,
        context={Settings: settings},
    )
