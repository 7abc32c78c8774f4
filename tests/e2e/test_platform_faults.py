"""Platform faults met while publishing, end to end: a live workspace whose X account lives on
the fake X (faults injected there) and whose Bluesky account lives on the local PDS (reached
through a relay that can be cut), scheduled over HTTP, published by the real publisher pass
by pass under a manual clock.

What the contract promises (API.md section 5):
- failures to connect and 5xx answers are retried at most 3 times with backoff, then fail
  `platform_unavailable_upstream`;
- a 429 defers the target to the platform's reset time without using a retry; a target still
  unsent 60 minutes after `scheduled_at` fails `platform_rate_limited`;
- a request that was sent and then timed out, was cut off, or was answered unreadably is not
  sent again: the target fails `outcome_unknown`;
- other 4xx fail at once with the platform's message;
- none of these changes the integration's status: it stays `active`.

X's client timeout is shortened to one second, so a slow answer times out quickly.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import pytest

from application.ports.unit_of_work import UnitOfWork
from domain.post_target import backoff
from tests.e2e.live_publishing import Live, live_world
from tests.fakes.x import DEFAULT_USER, FakeX
from tests.fakes.x.api import DUPLICATE
from tests.peers.bluesky_pds import LocalPds

pytestmark = pytest.mark.pds

PLATFORM_TIMEOUT_S = 1
SLOW_ANSWER_S = 2.0  # longer than the timeout: the client gives up, the fake carries on
MAX_RETRIES = 3  # the contract's, not imported: a change to it must fail here
SECOND = timedelta(seconds=1)


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def align_clocks(live: Live) -> datetime:
    """Both clocks to the same whole second, the later of the two: X's rate-limit reset is
    epoch seconds by its own clock, and must name the same moment on ours."""
    moment = math.ceil(max(live.fake_x.now(), live.api.clock.now().timestamp()))
    live.fake_x.advance(moment - live.fake_x.now())
    live.api.clock.set(datetime.fromtimestamp(moment, UTC))
    return live.api.clock.now()


@pytest.fixture
async def live(database_url: str, fake_x: FakeX, bluesky_pds: LocalPds) -> AsyncIterator[Live]:
    overrides = {"OPENPOST_PLATFORM_TIMEOUT_S": str(PLATFORM_TIMEOUT_S)}
    async with live_world(database_url, fake_x, bluesky_pds, **overrides) as world:
        align_clocks(world)
        yield world


async def x_post(live: Live, content: str = "Through thick and thin.") -> tuple[str, str, datetime]:
    """An X account connected, and a post to it scheduled five minutes from now.
    Returns the integration id, the post id and its time."""
    integration = await live.connect_x()
    at = live.api.clock.now() + timedelta(minutes=5)
    post = await live.schedule(content, [integration["id"]], rfc3339(at))
    return integration["id"], post["id"], at


async def target(live: Live, post_id: str) -> dict[str, Any]:
    """The post's only target, as the API shows it."""
    [only] = (await live.post(post_id))["post_targets"]
    return dict(only)


async def next_attempt_at(live: Live, post_id: str) -> datetime | None:
    """When the publisher will next take the post's only target (None: it will not)."""
    async with live.api.container() as scope:
        uow: UnitOfWork = await scope.get(UnitOfWork)
        async with uow:
            post = await uow.posts.get_any(UUID(post_id))
    assert post is not None
    [only] = post.targets
    return only.next_attempt_at


async def publish_at(live: Live, moment: datetime) -> int:
    live.move_to(moment)
    return await live.run_publisher()


async def retry_when_due(live: Live, post_id: str) -> datetime:
    """Nothing is taken a second before the target's next attempt; at it, it is. Returns
    that moment."""
    due = await next_attempt_at(live, post_id)
    assert due is not None, await target(live, post_id)
    assert await publish_at(live, due - SECOND) == 0
    assert await publish_at(live, due) == 1
    return due


async def assert_active(live: Live, integration_id: str) -> None:
    """Transient faults never change an integration's status."""
    integration = await live.integration(integration_id)
    assert (integration["status"], integration["status_reason"]) == ("active", None)
    assert await live.integrations("needs_refresh") == []


def x_sends(live: Live) -> dict[str, int]:
    """How X answered our create_tweet requests (an HTTP status, or `reset`)."""
    return dict(live.fake_x.responses["create_tweet"])


async def assert_never_sent_again(live: Live, post_id: str) -> None:
    """Much later, the publisher takes nothing more and X hears nothing more."""
    before = live.fake_x.requests["create_tweet"]
    assert await next_attempt_at(live, post_id) is None
    assert await publish_at(live, live.api.clock.now() + timedelta(hours=3)) == 0
    assert live.fake_x.requests["create_tweet"] == before


# ---- 5xx: retried, at most three times -------------------------------------------------


async def test_5xx_answers_are_retried_with_backoff_and_the_post_goes_out_once(
    live: Live,
) -> None:
    integration_id, post_id, at = await x_post(live)
    live.fake_x.fail_next("create_tweet", status=503, times=2)

    assert await publish_at(live, at) == 1
    waiting = await target(live, post_id)
    assert (waiting["status"], waiting["error"], waiting["attempts"]) == ("pending", None, 1)
    assert (await live.post(post_id))["status"] == "scheduled"  # every target pending
    due = await next_attempt_at(live, post_id)
    assert due is not None and at + backoff(1, 0.0) <= due <= at + backoff(1, 1.0)

    first_retry = await retry_when_due(live, post_id)
    assert (await target(live, post_id))["attempts"] == 2
    due = await next_attempt_at(live, post_id)
    assert due is not None
    assert first_retry + backoff(2, 0.0) <= due <= first_retry + backoff(2, 1.0)

    second_retry = await retry_when_due(live, post_id)
    done = await live.post(post_id)
    assert done["status"] == "published" and done["published_at"] == rfc3339(second_retry)
    [published] = done["post_targets"]
    assert (published["status"], published["error"], published["attempts"]) == (
        "published",
        None,
        3,
    )
    [tweet] = live.fake_x.tweets
    assert published["platform_post_id"] == tweet.id
    assert (tweet.text, tweet.author_id) == ("Through thick and thin.", DEFAULT_USER.id)
    assert live.fake_x.requests["create_tweet"] == 3
    assert x_sends(live) == {"503": 2, "201": 1}
    await assert_active(live, integration_id)


async def test_5xx_past_three_retries_fails_platform_unavailable_upstream(live: Live) -> None:
    integration_id, post_id, at = await x_post(live)
    live.fake_x.fail_next("create_tweet", status=503, times=MAX_RETRIES + 2)

    assert await publish_at(live, at) == 1
    for _ in range(MAX_RETRIES):
        await retry_when_due(live, post_id)

    failed = await target(live, post_id)
    assert failed["status"] == "failed", failed
    assert failed["error"]["code"] == "platform_unavailable_upstream"
    assert "503" in failed["error"]["message"]
    assert failed["attempts"] == 1 + MAX_RETRIES
    assert (failed["platform_post_id"], failed["platform_post_url"]) == (None, None)
    assert (await live.post(post_id))["status"] == "failed"
    assert live.fake_x.tweets == []
    assert live.fake_x.requests["create_tweet"] == 1 + MAX_RETRIES
    assert x_sends(live) == {"503": 1 + MAX_RETRIES}
    assert live.fake_x.faults.pending() == {"create_tweet": 1}  # a fifth send never came
    await assert_never_sent_again(live, post_id)
    await assert_active(live, integration_id)


# ---- sent, then no readable answer: never sent again ----------------------------------


async def assert_outcome_unknown(live: Live, post_id: str, integration_id: str) -> None:
    failed = await target(live, post_id)
    assert failed["status"] == "failed", failed
    assert failed["error"]["code"] == "outcome_unknown"
    assert failed["attempts"] == 1
    assert (failed["platform_post_id"], failed["platform_post_url"]) == (None, None)
    assert live.fake_x.requests["create_tweet"] == 1
    await assert_never_sent_again(live, post_id)
    await assert_active(live, integration_id)


@pytest.mark.parametrize("posted", [True, False], ids=["tweet-made", "tweet-not-made"])
async def test_a_connection_cut_after_sending_fails_outcome_unknown(
    live: Live, posted: bool
) -> None:
    """Whether or not X made the tweet before the connection dropped, we cannot know: the
    post is not sent a second time."""
    integration_id, post_id, at = await x_post(live)
    live.fake_x.reset_next("create_tweet", after_effect=posted)

    assert await publish_at(live, at) == 1

    assert x_sends(live) == {"reset": 1}
    assert len(live.fake_x.tweets) == (1 if posted else 0)
    await assert_outcome_unknown(live, post_id, integration_id)
    assert len(live.fake_x.tweets) == (1 if posted else 0)


async def fake_finished(live: Live, endpoint: str, answers: int) -> None:
    """Waits (boundedly) until the fake has finished `answers` requests to `endpoint`: a
    delayed one carries on after our client has given up."""
    deadline = time.monotonic() + SLOW_ANSWER_S + 5
    while sum(live.fake_x.responses[endpoint].values()) < answers:
        assert time.monotonic() < deadline, f"the fake never finished {endpoint}"
        await asyncio.sleep(0.05)


async def test_an_answer_slower_than_the_platform_timeout_fails_outcome_unknown(
    live: Live,
) -> None:
    integration_id, post_id, at = await x_post(live)
    live.fake_x.delay_next("create_tweet", SLOW_ANSWER_S)

    started = time.monotonic()
    claimed = await publish_at(live, at)
    waited = time.monotonic() - started
    await fake_finished(live, "create_tweet", 1)  # before anything can fail the test
    assert claimed == 1
    assert waited < SLOW_ANSWER_S  # we gave up at the timeout

    failed = await target(live, post_id)
    assert failed["status"] == "failed" and failed["error"]["code"] == "outcome_unknown"
    assert "Timeout" in failed["error"]["message"]
    assert x_sends(live) == {"201": 1}  # X did make it, after we stopped listening
    assert len(live.fake_x.tweets) == 1
    await assert_outcome_unknown(live, post_id, integration_id)
    assert len(live.fake_x.tweets) == 1


async def test_an_unreadable_success_answer_fails_outcome_unknown(live: Live) -> None:
    integration_id, post_id, at = await x_post(live)
    live.fake_x.malformed_next("create_tweet", after_effect=True)

    assert await publish_at(live, at) == 1

    assert x_sends(live) == {"201": 1}  # a 201 whose JSON breaks off
    assert len(live.fake_x.tweets) == 1
    failed = await target(live, post_id)
    assert "malformed" in failed["error"]["message"]
    await assert_outcome_unknown(live, post_id, integration_id)
    assert len(live.fake_x.tweets) == 1


# ---- 429: deferred to the reset, without using a retry ---------------------------------


async def test_a_429_defers_to_the_reset_without_using_a_retry(live: Live) -> None:
    """A 429 (reset in 15 minutes), then as many 503s as there are retries, then success:
    had the 429 used a retry, the last 503 would have failed the target."""
    integration_id, post_id, at = await x_post(live)
    live.fake_x.rate_limit_next("create_tweet", reset_in=15 * 60)
    live.fake_x.fail_next("create_tweet", status=503, times=MAX_RETRIES)

    assert await publish_at(live, at) == 1
    waiting = await target(live, post_id)
    assert (waiting["status"], waiting["error"], waiting["attempts"]) == ("pending", None, 1)
    assert await next_attempt_at(live, post_id) == at + timedelta(minutes=15)
    assert await publish_at(live, at + timedelta(minutes=14)) == 0
    assert live.fake_x.requests["create_tweet"] == 1

    await retry_when_due(live, post_id)  # at the reset: a 503
    for _ in range(MAX_RETRIES):
        await retry_when_due(live, post_id)  # two more 503s, then the tweet

    published = await target(live, post_id)
    assert (published["status"], published["error"]) == ("published", None), published
    assert published["attempts"] == 2 + MAX_RETRIES
    [tweet] = live.fake_x.tweets
    assert published["platform_post_id"] == tweet.id
    assert x_sends(live) == {"429": 1, "503": MAX_RETRIES, "201": 1}
    await assert_active(live, integration_id)


async def test_a_429_after_a_429_published_at_the_reset(live: Live) -> None:
    integration_id, post_id, at = await x_post(live)
    live.fake_x.rate_limit_next("create_tweet", reset_in=15 * 60, times=2)

    assert await publish_at(live, at) == 1
    await retry_when_due(live, post_id)  # a second 429: another 15 minutes
    assert (await target(live, post_id))["status"] == "pending"
    assert await next_attempt_at(live, post_id) == at + timedelta(minutes=30)
    await retry_when_due(live, post_id)

    published = await target(live, post_id)
    assert (published["status"], published["attempts"]) == ("published", 3)
    assert len(live.fake_x.tweets) == 1
    assert x_sends(live) == {"429": 2, "201": 1}
    await assert_active(live, integration_id)


@pytest.mark.parametrize("first_wait_min", [None, 45], ids=["at-once", "after-a-wait"])
async def test_a_429_keeping_the_post_unsent_past_an_hour_fails_platform_rate_limited(
    live: Live, first_wait_min: int | None
) -> None:
    """at-once: the first 429 resets two hours out. after-a-wait: a 429 resetting in 45
    minutes is waited for; the next resets 20 minutes later, past the hour."""
    integration_id, post_id, at = await x_post(live)
    if first_wait_min is None:
        live.fake_x.rate_limit_next("create_tweet", reset_in=2 * 3600)
        assert await publish_at(live, at) == 1
    else:
        live.fake_x.rate_limit_next("create_tweet", reset_in=first_wait_min * 60)
        assert await publish_at(live, at) == 1
        assert (await target(live, post_id))["status"] == "pending"
        live.fake_x.rate_limit_next("create_tweet", reset_in=20 * 60)
        await retry_when_due(live, post_id)

    failed = await target(live, post_id)
    assert failed["status"] == "failed", failed
    assert failed["error"]["code"] == "platform_rate_limited"
    sends = 1 if first_wait_min is None else 2
    assert failed["attempts"] == sends
    assert live.fake_x.tweets == []
    assert x_sends(live) == {"429": sends}
    await assert_never_sent_again(live, post_id)
    await assert_active(live, integration_id)


# ---- other 4xx: fail at once, with X's own words ---------------------------------------


async def test_duplicate_content_fails_at_once_with_x_s_message(live: Live) -> None:
    integration_id, first_id, at = await x_post(live, "Said once, said twice.")
    later = at + timedelta(minutes=10)
    second = await live.schedule("Said once, said twice.", [integration_id], rfc3339(later))

    assert await publish_at(live, at) == 1
    assert (await target(live, first_id))["status"] == "published"
    assert await publish_at(live, later) == 1

    rejected = await target(live, second["id"])
    assert rejected["status"] == "failed", rejected
    assert rejected["error"] == {"code": "duplicate_content", "message": DUPLICATE}
    assert rejected["attempts"] == 1
    assert (await live.post(second["id"]))["status"] == "failed"
    assert len(live.fake_x.tweets) == 1
    assert x_sends(live) == {"201": 1, "403": 1}
    await assert_never_sent_again(live, second["id"])
    await assert_active(live, integration_id)


@pytest.mark.parametrize("status", [400, 403, 422])
async def test_another_4xx_fails_at_once_content_rejected(live: Live, status: int) -> None:
    integration_id, post_id, at = await x_post(live)
    live.fake_x.fail_next("create_tweet", status=status)

    assert await publish_at(live, at) == 1

    rejected = await target(live, post_id)
    assert rejected["status"] == "failed", rejected
    phrase = {400: "Bad Request", 403: "Forbidden", 422: "Unprocessable Entity"}[status]
    assert rejected["error"] == {"code": "content_rejected", "message": phrase}
    assert rejected["attempts"] == 1
    assert live.fake_x.tweets == []
    assert x_sends(live) == {str(status): 1}
    await assert_never_sent_again(live, post_id)
    await assert_active(live, integration_id)


# ---- a fault at X's token endpoint on the way ------------------------------------------


async def test_a_5xx_from_x_s_token_endpoint_is_retried_not_needs_refresh(live: Live) -> None:
    """The access token has expired, and X's token endpoint answers 503 to our refresh:
    nothing was sent, so the target is retried, and the refresh works the next time."""
    integration = await live.connect_x()
    at = live.api.clock.now() + timedelta(hours=2, minutes=30)  # past the 7200 s token
    post = await live.schedule("Fresh token, second try.", [integration["id"]], rfc3339(at))
    assert dict(live.fake_x.responses["token"]) == {"200": 1}  # the code exchange
    live.fake_x.fail_next("token", status=503)

    assert await publish_at(live, at) == 1
    waiting = await target(live, post["id"])
    assert (waiting["status"], waiting["attempts"]) == ("pending", 0)  # no publish call made
    assert live.fake_x.requests["create_tweet"] == 0
    await assert_active(live, integration["id"])
    await retry_when_due(live, post["id"])

    published = await target(live, post["id"])
    assert (published["status"], published["attempts"]) == ("published", 1), published
    assert len(live.fake_x.tweets) == 1
    assert x_sends(live) == {"201": 1}
    assert dict(live.fake_x.responses["token"]) == {"200": 2, "503": 1}
    assert live.fake_x.token_refreshes == 1
    await assert_active(live, integration["id"])


# ---- Bluesky: the PDS cannot be reached ------------------------------------------------


class Relay:
    """A loopback TCP relay in front of a server. Once `cut`, its port refuses connections,
    as a server that is down does, while the server itself keeps running."""

    def __init__(self, target_url: str) -> None:
        parts = urlsplit(target_url)
        assert parts.hostname and parts.port
        self.host, self.port = parts.hostname, parts.port
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []
        self.tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> Relay:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.cut()

    @property
    def url(self) -> str:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def cut(self) -> None:
        if self.server is None:
            return
        self.server.close()
        for writer in self.writers:
            writer.transport.abort()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.server.wait_closed()
        self.server = None

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        self.writers.append(client_w)
        try:
            server_r, server_w = await asyncio.open_connection(self.host, self.port)
        except OSError:
            client_w.transport.abort()
            return
        self.writers.append(server_w)
        await asyncio.gather(
            _pipe(client_r, server_w), _pipe(server_r, client_w), return_exceptions=True
        )


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()


async def test_an_unreachable_pds_is_retried_then_fails_never_needs_refresh(
    database_url: str, fake_x: FakeX, bluesky_pds: LocalPds
) -> None:
    async with (
        Relay(bluesky_pds.url) as relay,
        live_world(
            database_url, fake_x, bluesky_pds, OPENPOST_BLUESKY_SERVICE_URL=relay.url
        ) as live,
    ):
        account = live.bluesky_account()
        bluesky = await live.connect_bluesky(account)
        assert bluesky["status"] == "active"
        at = live.api.clock.now() + timedelta(minutes=5)
        post = await live.schedule("Nobody home at the PDS.", [bluesky["id"]], rfc3339(at))
        await relay.cut()
        bluesky_pds.reset_counts()

        assert await publish_at(live, at) == 1
        waiting = await target(live, post["id"])
        assert (waiting["status"], waiting["error"]) == ("pending", None)
        await assert_active(live, bluesky["id"])
        for _ in range(MAX_RETRIES):
            await retry_when_due(live, post["id"])

        failed = await target(live, post["id"])
        assert failed["status"] == "failed", failed
        assert failed["error"]["code"] == "platform_unavailable_upstream"
        assert "ConnectError" in failed["error"]["message"]
        assert failed["attempts"] == 1 + MAX_RETRIES
        assert live.bluesky_posts(account) == []
        assert bluesky_pds.counts().get("com.atproto.repo.createRecord", 0) == 0
        await assert_never_sent_again(live, post["id"])
        await assert_active(live, bluesky["id"])
