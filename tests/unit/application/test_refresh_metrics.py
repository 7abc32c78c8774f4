"""Every token refresh asked of a platform is counted by its outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.metrics.prometheus import PrometheusMetrics
from application.ports.platforms import CredentialsRejected, PlatformUnreachable
from application.refresh_credentials import RefreshCredentials, RefreshPolicy
from domain.workspace import WorkspaceMode
from tests.unit.application.twitter_world import (  # noqa: F401  (the fixture)
    TwitterWorld,
    world_fixture,
)

LIFETIME = timedelta(seconds=7200)


def refreshes(metrics: PrometheusMetrics, outcome: str) -> float:
    labels = {"platform": "twitter", "outcome": outcome}
    return metrics.registry.get_sample_value("openpost_token_refreshes_total", labels) or 0.0


async def test_refreshes_are_counted_by_outcome(world: TwitterWorld) -> None:
    metrics = PrometheusMetrics()
    refresher = RefreshCredentials(
        world.uow, world.clock, world.directory, RefreshPolicy(300), metrics
    )
    integration = await world.connect(await world.workspace())
    world.clock.advance(LIFETIME)

    world.fake.fail_next("token")
    with pytest.raises(PlatformUnreachable):
        await refresher.execute(integration.id)
    stored = (await refresher.execute(integration.id)).credentials
    assert (refreshes(metrics, "unreachable"), refreshes(metrics, "refreshed")) == (1, 1)

    await world.directory.twitter(WorkspaceMode.LIVE).refresh(stored)  # spent elsewhere
    world.clock.advance(LIFETIME)
    with pytest.raises(CredentialsRejected):
        await refresher.execute(integration.id)
    assert refreshes(metrics, "rejected") == 1
    with pytest.raises(CredentialsRejected):  # refused for good: no second call to count
        await refresher.execute(integration.id)
    assert (refreshes(metrics, "rejected"), refreshes(metrics, "refreshed")) == (1, 1)
