"""Publishing a thread part after part, over memory adapters and a scripted platform: the
chain, the record before each next part, and at most once per part."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from application.claim_due_targets import ClaimDueTargets
from application.ports.credentials import Credentials
from application.ports.outgoing_media import OutgoingMedia
from application.ports.platforms import ContentRejected, PlatformUnreachable
from application.ports.threads import (
    LinkCard,
    OutgoingPart,
    PlatformPostRef,
    PublishedPart,
    ReplyRefs,
    ReplyTargetNotFound,
)
from application.record_outcomes import RecordOutcomes
from domain.outcomes import LeaseExpired, PartPublished
from domain.platform import Platform
from domain.post import Post
from domain.post_part import PartStatus
from domain.post_target import TargetStatus
from domain.references import PostRef
from domain.thread import PartSpec, ThreadSettings
from tests.support.media import stored_media
from tests.unit.application.posts_world import LEASE, START, ScriptedGateway, World

AT = START + timedelta(hours=1)
THREE = ThreadSettings(parts=(PartSpec("one"), PartSpec("two"), PartSpec("three")))


class ThreadScript(ScriptedGateway):
    wants_link_cards = True

    """A platform that takes parts from a script (an exception is raised, anything else
    publishes) and checks, as each part arrives, that the one before it is stored."""

    def __init__(self, world: World, *script: Any) -> None:
        super().__init__(Platform.BLUESKY, *script)
        self.world = world
        self.parts: list[OutgoingPart] = []
        self.part_media: list[list[bytes]] = []
        self.post: Post | None = None
        self.missing: Exception | None = None

    async def publish_part(
        self, credentials: Credentials, part: OutgoingPart, media: Sequence[OutgoingMedia] = ()
    ) -> PublishedPart:
        if part.reply is not None and self.post is not None:
            stored = await self.world.stored(self.post)
            parent = part.reply.parent.id
            known = {p.platform_post_id for t in stored.targets for p in t.parts}
            assert parent in known or parent.startswith("at://other"), "parent not recorded"
        step = self.script.pop(0) if self.script else None
        if isinstance(step, BaseException):
            raise step
        self.parts.append(part)
        self.part_media.append([await item.read() for item in media])
        number = len(self.parts)
        uri = f"at://did:plc:me/app.bsky.feed.post/{number}"
        return PublishedPart(uri, f"https://bsky.app/p/{number}", f"cid{number}")

    async def resolve(self, credentials: Credentials, reference: PostRef) -> ReplyRefs:
        if self.missing is not None:
            raise self.missing
        return ReplyRefs(
            PlatformPostRef("at://other/root", "cidroot"),
            PlatformPostRef("at://other/parent", "cidparent"),
        )


async def world_with(*script: Any) -> tuple[World, ThreadScript]:
    world = World()
    gateway = ThreadScript(world, *script)
    world.gateways[Platform.BLUESKY] = gateway
    await world.setup()
    return world, gateway


async def thread(world: World, gateway: ThreadScript, settings: ThreadSettings = THREE) -> Post:
    post = await world.create(world.bluesky, schedule_at=AT, content="", thread=settings)
    gateway.post = post
    return post


async def run_until_settled(world: World, post: Post) -> Any:
    world.clock.set(AT)
    await world.run_due()
    for _ in range(5):
        target = (await world.stored(post)).targets[0]
        if target.next_attempt_at is None:
            return target
        world.clock.set(target.next_attempt_at)
        await world.run_due()
    return (await world.stored(post)).targets[0]


async def test_each_part_replies_to_the_one_before_with_the_first_as_root() -> None:
    world, gateway = await world_with()
    post = await thread(world, gateway)
    target = await run_until_settled(world, post)
    assert target.status is TargetStatus.PUBLISHED
    assert [p.text for p in gateway.parts] == ["one", "two", "three"]
    first, second, third = gateway.parts
    assert first.reply is None
    root = PlatformPostRef("at://did:plc:me/app.bsky.feed.post/1", "cid1")
    assert second.reply == ReplyRefs(root, root)
    assert third.reply == ReplyRefs(
        root, PlatformPostRef("at://did:plc:me/app.bsky.feed.post/2", "cid2")
    )
    assert [(p.status, p.cid) for p in target.parts] == [
        (PartStatus.PUBLISHED, "cid1"),
        (PartStatus.PUBLISHED, "cid2"),
        (PartStatus.PUBLISHED, "cid3"),
    ]
    assert target.platform_post_id == "at://did:plc:me/app.bsky.feed.post/1"
    assert target.attempts == 1


async def test_a_failure_before_a_part_was_sent_resumes_at_that_part() -> None:
    world, gateway = await world_with(None, PlatformUnreachable("503", sent=False))
    post = await thread(world, gateway)
    target = await run_until_settled(world, post)
    assert target.status is TargetStatus.PUBLISHED
    assert [p.text for p in gateway.parts] == ["one", "two", "three"]  # "one" sent once
    assert gateway.parts[1].reply is not None
    assert gateway.parts[1].reply.parent.id.endswith("/1")
    assert (target.attempts, target.retries) == (2, 1)


async def test_a_part_cut_off_fails_outcome_unknown_and_skips_the_rest() -> None:
    world, gateway = await world_with(None, PlatformUnreachable("reset", sent=True))
    post = await thread(world, gateway)
    target = await run_until_settled(world, post)
    assert (target.status, target.error.code) == (TargetStatus.FAILED, "outcome_unknown")
    assert [p.status for p in target.parts] == [
        PartStatus.PUBLISHED,
        PartStatus.FAILED,
        PartStatus.SKIPPED,
    ]
    assert len(gateway.parts) == 1


async def test_a_part_refused_for_good_leaves_the_thread_incomplete() -> None:
    world, gateway = await world_with(None, None, ContentRejected("content_rejected", "no"))
    post = await thread(world, gateway)
    target = await run_until_settled(world, post)
    assert (target.status, target.error.code) == (TargetStatus.FAILED, "thread_incomplete")
    assert "2 went out" in target.error.message
    assert [p.status for p in target.parts][-1] is PartStatus.FAILED


async def test_a_first_part_refused_is_the_platform_s_own_refusal() -> None:
    world, gateway = await world_with(ContentRejected("content_rejected", "no"))
    post = await thread(world, gateway)
    target = await run_until_settled(world, post)
    assert (target.status, target.error.code) == (TargetStatus.FAILED, "content_rejected")
    assert [p.status for p in target.parts] == [
        PartStatus.FAILED,
        PartStatus.SKIPPED,
        PartStatus.SKIPPED,
    ]


async def test_a_reply_starts_under_the_referenced_post_and_its_root() -> None:
    world, gateway = await world_with()
    settings = ThreadSettings(
        reply_to={Platform.BLUESKY: "at://did:plc:abc/app.bsky.feed.post/3k2yihcrp6f2c"},
        langs=("en",),
    )
    post = await world.create(world.bluesky, schedule_at=AT, content="a reply", thread=settings)
    target = await run_until_settled(world, post)
    assert target.status is TargetStatus.PUBLISHED
    [part] = gateway.parts
    assert part.reply == ReplyRefs(
        PlatformPostRef("at://other/root", "cidroot"),
        PlatformPostRef("at://other/parent", "cidparent"),
    )
    assert part.langs == ("en",)


async def test_a_reply_to_a_post_that_is_gone_fails_reply_target_not_found() -> None:
    world, gateway = await world_with()
    gateway.missing = ReplyTargetNotFound("gone")
    settings = ThreadSettings(quote_of={Platform.BLUESKY: "at://did:plc:abc/app.bsky.feed.post/3k"})
    post = await world.create(world.bluesky, schedule_at=AT, content="quoting", thread=settings)
    target = await run_until_settled(world, post)
    assert (target.status, target.error.code) == (TargetStatus.FAILED, "reply_target_not_found")
    assert gateway.parts == []


class PageCards:
    """Cards from a table of pages we own; anything else has none."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def card_for(self, url: str) -> LinkCard | None:
        self.asked.append(url)
        return LinkCard(url, "Title", "About") if "example.com" in url else None


async def test_a_bluesky_post_with_a_link_gets_a_card_for_its_first_link() -> None:
    world, gateway = await world_with()
    world.cards = PageCards()
    text = "read example.com/a and https://other.test/b"
    post = await world.create(world.bluesky, schedule_at=AT, content=text)
    await run_until_settled(world, post)
    [part] = gateway.parts
    assert part.card == LinkCard("https://example.com/a", "Title", "About")
    assert world.cards.asked == ["https://example.com/a"]


async def test_no_card_when_turned_off_or_for_a_quote() -> None:
    world, gateway = await world_with()
    world.cards = PageCards()
    off = ThreadSettings(link_preview_overrides={Platform.BLUESKY: False})
    quoting = ThreadSettings(quote_of={Platform.BLUESKY: "at://did:plc:abc/app.bsky.feed.post/3k"})
    posts = [
        await world.create(
            world.bluesky, schedule_at=AT, content=f"see https://example.com/{n}", thread=settings
        )
        for n, settings in enumerate((off, quoting))
    ]
    for post in posts:
        await run_until_settled(world, post)
    assert gateway.sent == ["see https://example.com/0"]  # no card wanted: a plain post
    assert [p.card for p in gateway.parts] == [None]  # the quote goes without a card
    assert world.cards.asked == []


async def test_each_part_sends_its_own_media_read_from_the_store() -> None:
    world, gateway = await world_with()
    first = await stored_media(world.media_store, world.workspace_id, b"first")
    third = await stored_media(world.media_store, world.workspace_id, b"third")
    async with world.uow() as uow:
        await uow.media.add(first)
        await uow.media.add(third)
        await uow.commit()
    parts = (PartSpec("one", (first.id,)), PartSpec("two"), PartSpec("", (third.id,)))
    post = await thread(world, gateway, ThreadSettings(parts=parts))
    target = await run_until_settled(world, post)
    assert target.status is TargetStatus.PUBLISHED
    assert gateway.part_media == [[b"first"], [], [b"third"]]


async def test_a_part_is_written_under_its_claim_and_through_the_target_after_it() -> None:
    """Under the claim that sent it, a part's progress is written straight onto the target
    (the lease renewed); once the lease has run out into `outcome_unknown`, a part that
    still arrives is recorded by the target itself, published and the lease not renewed."""
    world, gateway = await world_with()
    post = await thread(world, gateway)
    world.clock.set(AT)
    [claimed] = await ClaimDueTargets(world.uow, world.clock, LEASE).execute(1)
    recorder = RecordOutcomes(world.uow, world.clock)
    first = PartPublished(0, "at://p/1", "https://b/1", "cid1", LEASE)
    world.clock.advance(timedelta(seconds=30))
    await recorder.record(claimed, first)
    target = (await world.stored(post)).targets[0]
    assert target.status is TargetStatus.PUBLISHING and target.platform_post_id == "at://p/1"
    assert target.lease_expires_at == world.clock.now() + LEASE
    world.clock.advance(LEASE)
    await recorder.record(claimed, LeaseExpired())
    await recorder.record(claimed, PartPublished(1, "at://p/2", "https://b/2", "cid2", LEASE))
    target = (await world.stored(post)).targets[0]
    assert target.status is TargetStatus.FAILED and target.error is not None
    assert target.error.code == "outcome_unknown" and target.lease_expires_at is None
    assert [(p.status, p.cid) for p in target.parts] == [
        (PartStatus.PUBLISHED, "cid1"), (PartStatus.PUBLISHED, "cid2"), (PartStatus.SKIPPED, None)
    ]  # fmt: skip
