"""A post X created although it answered 5xx: the retry's "duplicate content" is resolved
by finding the post, not by failing a target whose post is live; for a thread, per part."""

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
from tests.unit.application.test_publish_chain import ThreadScript, run_until_settled, thread

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


class FindingThread(ThreadScript, RecentPostFinder):
    """A thread's platform that can look up the account's recent posts by text and parent."""

    def __init__(self, world: World, *script: Any, recent: dict[tuple[str, str | None], str]):
        super().__init__(world, *script)
        self.recent = recent
        self.lookups: list[tuple[str, str | None]] = []

    async def find_recent(
        self, credentials: Credentials, text: str, in_reply_to: str | None = None
    ) -> PublishedPost | None:
        self.lookups.append((text, in_reply_to))
        found = self.recent.get((text, in_reply_to))
        return PublishedPost(found, f"https://bsky.app/p/{found}") if found else None


FIRST = "at://did:plc:me/app.bsky.feed.post/1"
EARLIER = "at://did:plc:me/app.bsky.feed.post/earlier"


async def run_thread(*script: Any, recent: dict[tuple[str, str | None], str]) -> Any:
    world = World()
    gateway = FindingThread(world, *script, recent=recent)
    world.gateways[Platform.BLUESKY] = gateway
    await world.setup()
    post = await thread(world, gateway)
    return await run_until_settled(world, post), gateway


async def test_a_thread_part_created_before_a_5xx_is_found_and_the_thread_goes_on() -> None:
    target, gateway = await run_thread(
        None, PlatformUnreachable("503", sent=False), DUPLICATE, recent={("two", FIRST): EARLIER}
    )
    assert target.status is TargetStatus.PUBLISHED
    assert [p.platform_post_id for p in target.parts][:2] == [FIRST, EARLIER]
    assert gateway.lookups == [("two", FIRST)]
    [*_, third] = gateway.parts
    assert third.text == "three" and third.reply.parent.id == EARLIER


async def test_a_thread_part_not_found_leaves_the_thread_incomplete() -> None:
    target, gateway = await run_thread(
        None, PlatformUnreachable("503", sent=False), DUPLICATE, recent={}
    )
    assert (target.status, target.error.code) == (TargetStatus.FAILED, "thread_incomplete")
    assert [p.status.value for p in target.parts] == ["published", "failed", "skipped"]
    assert gateway.lookups == [("two", FIRST)]


async def test_only_the_part_a_retry_sends_first_can_be_an_earlier_send() -> None:
    """Part 3 was never sent before this attempt: its duplicate is the user's own."""
    target, gateway = await run_thread(
        None,
        PlatformUnreachable("503", sent=False),
        None,
        DUPLICATE,
        recent={("three", "at://did:plc:me/app.bsky.feed.post/2"): EARLIER},
    )
    assert (target.status, target.error.code) == (TargetStatus.FAILED, "thread_incomplete")
    assert gateway.lookups == []
