"""X's answers that hide the truth, end to end through the real publisher and the fake X:
a post created before a 5xx is recorded as published, not failed as a duplicate, and the
24-hour cap defers (here past the hour, so the target fails `platform_rate_limited`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.e2e.live_publishing import Live, live_world
from tests.e2e.test_platform_faults import (
    PLATFORM_TIMEOUT_S,
    align_clocks,
    assert_active,
    publish_at,
    retry_when_due,
    rfc3339,
    target,
    x_post,
    x_sends,
)
from tests.fakes.x import FakeX
from tests.peers.bluesky_pds import LocalPds

pytestmark = pytest.mark.pds


@pytest.fixture
async def live(database_url: str, fake_x: FakeX, bluesky_pds: LocalPds) -> AsyncIterator[Live]:
    overrides = {"OPENPOST_PLATFORM_TIMEOUT_S": str(PLATFORM_TIMEOUT_S)}
    async with live_world(database_url, fake_x, bluesky_pds, **overrides) as world:
        align_clocks(world)
        yield world


async def test_a_post_created_before_a_5xx_is_found_on_the_retry_and_published(
    live: Live,
) -> None:
    integration_id, post_id, at = await x_post(live)
    live.fake_x.fail_next("create_tweet", status=503, after_effect=True)

    assert await publish_at(live, at) == 1
    assert (await target(live, post_id))["status"] == "pending"
    await retry_when_due(live, post_id)

    done = await target(live, post_id)
    [tweet] = live.fake_x.tweets
    assert (done["status"], done["error"], done["platform_post_id"]) == (
        "published",
        None,
        tweet.id,
    )
    assert x_sends(live) == {"503": 1, "403": 1}
    assert live.fake_x.requests["user_tweets"] == 1
    await assert_active(live, integration_id)


async def test_the_24_hour_cap_defers_to_its_reset_and_a_day_is_past_the_hour(
    live: Live,
) -> None:
    integration_id, first_id, at = await x_post(live, "The only one today.")
    second = await live.schedule(
        "One too many.", [integration_id], rfc3339(at + timedelta(minutes=1))
    )
    live.fake_x.set_daily_caps(user=1)

    assert await publish_at(live, at + timedelta(minutes=1)) == 2
    statuses = {(await target(live, pid))["status"] for pid in (first_id, second["id"])}
    assert statuses == {"published", "failed"}
    failed = [await target(live, pid) for pid in (first_id, second["id"])]
    [refused] = [t for t in failed if t["status"] == "failed"]
    assert refused["error"]["code"] == "platform_rate_limited"
    assert len(live.fake_x.tweets) == 1
    await assert_active(live, integration_id)
