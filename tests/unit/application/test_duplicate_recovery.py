"""A post X created although it answered 5xx: the retry's "duplicate content" is resolved
by finding the post, not by failing a target whose post is live."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from application.ports.credentials import Credentials
from application.ports.platforms import ContentRejected, PlatformUnreachable, PublishedPost
from application.ports.recent_posts import RecentPostFinder
from domain.platform import Platform
from domain.post_target import TargetStatus
from tests.unit.application.posts_world import START, ScriptedGateway, World

AT = START + timedelta(hours=1)
DUPLICATE = ContentRejected("duplicate_content", "You are not allowed to create a duplicate.")


class FindingGateway(ScriptedGateway, RecentPostFinder):
    """X as the publisher sees it: it can look up the account's recent posts."""

    def __init__(self, *script: Any, recent: dict[str, str] | None = None) -> None:
        super().__init__(Platform.TWITTER, *script)
        self.recent = recent or {}
        self.lookups: list[tuple[str, str | None]] = []
        self.lookup_failure: Exception | None = None

    async def find_recent(
        self, credentials: Credentials, text: str, in_reply_to: str | None = None
    ) -> PublishedPost | None:
        self.lookups.append((text, in_reply_to))
        if self.lookup_failure is not None:
            raise self.lookup_failure
        found = self.recent.get(text)
        return PublishedPost(found, f"https://x.com/u/status/{found}") if found else None


async def run(gateway: FindingGateway) -> Any:
    world = World()
    world.gateways[Platform.TWITTER] = gateway
    await world.setup()
    post = await world.create(world.twitter, schedule_at=AT, content="hello")
    world.clock.set(AT)
    await world.run_due()
    target = (await world.stored(post)).targets[0]
    if target.next_attempt_at is not None:
        world.clock.set(target.next_attempt_at)
        await world.run_due()
    return (await world.stored(post)).targets[0]


async def test_after_a_5xx_the_duplicate_is_found_and_recorded_published() -> None:
    gateway = FindingGateway(
        PlatformUnreachable("503", sent=False), DUPLICATE, recent={"hello": "1789"}
    )
    target = await run(gateway)
    assert (target.status, target.platform_post_id) == (TargetStatus.PUBLISHED, "1789")
    assert target.platform_post_url == "https://x.com/u/status/1789"
    assert gateway.lookups == [("hello", None)]


async def test_when_it_cannot_be_found_the_duplicate_fails_as_before() -> None:
    gateway = FindingGateway(PlatformUnreachable("503", sent=False), DUPLICATE)
    target = await run(gateway)
    assert target.status is TargetStatus.FAILED
    assert target.error.code == "duplicate_content"


async def test_a_duplicate_on_the_first_attempt_is_the_user_s_own_and_fails() -> None:
    gateway = FindingGateway(DUPLICATE, recent={"hello": "1789"})
    target = await run(gateway)
    assert target.status is TargetStatus.FAILED and gateway.lookups == []


@pytest.mark.parametrize("failure", [PlatformUnreachable("timeline 503", sent=False)])
async def test_a_failed_lookup_is_retried_later(failure: Exception) -> None:
    gateway = FindingGateway(PlatformUnreachable("503", sent=False), DUPLICATE)
    gateway.lookup_failure = failure
    target = await run(gateway)
    assert target.status is TargetStatus.PENDING and target.retries == 2
