"""An X connect and reconnect each write `integration.connected` (the fake X)."""

from __future__ import annotations

from datetime import timedelta

from domain.webhooks.events import rfc3339
from tests.unit.application.test_webhook_events import events, subscribe
from tests.unit.application.twitter_world import (  # noqa: F401  (the fixture)
    TwitterWorld,
    world_fixture,
)


async def test_an_x_connect_and_reconnect_each_write_integration_connected(
    world: TwitterWorld,
) -> None:
    ws = await world.workspace()
    subscribe(world.store, ws.workspace.id, world.clock)
    first = await world.connect(ws)
    world.clock.advance(timedelta(hours=1))
    again = await world.complete().execute(await world.authorize(ws))
    written = events(world.store)
    assert [e["type"] for e in written] == ["integration.connected"] * 2
    assert again.integration.id == first.id
    assert written[1]["data"]["connected_at"] == rfc3339(world.clock.now())
