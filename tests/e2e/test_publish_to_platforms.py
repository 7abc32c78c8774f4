"""Publishing end to end in a live workspace: X played by the fake over loopback HTTP,
Bluesky by the real local PDS, accounts connected through the API, the publisher driven by
hand under a manual clock, on SQLite and PostgreSQL.

Scheduled posts go out at their time (not before) with the platforms' ids and URLs; an
expired X access token is refreshed on the way; credentials refused for good, and
disconnected accounts, fail their targets as the contract says."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import START
from tests.e2e.live_publishing import (
    POST_COLLECTION,
    BlueskyAccount,
    Live,
    live_world,
    target_on,
)
from tests.fakes.x import ACCESS_TOKEN_LIFETIME, DEFAULT_CLIENT, DEFAULT_USER, FakeX
from tests.peers.bluesky_pds import LocalPds

pytestmark = pytest.mark.pds

ELEVEN = datetime(2026, 4, 17, 11, 0, tzinfo=UTC)  # the first next slot after START
NOON = datetime(2026, 4, 17, 12, 0, tzinfo=UTC)
LATE = START + timedelta(hours=2, minutes=30)  # past the first access token's 7200 s


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
async def live(database_url: str, fake_x: FakeX, bluesky_pds: LocalPds) -> AsyncIterator[Live]:
    async with live_world(database_url, fake_x, bluesky_pds) as world:
        yield world


async def connect_both(live: Live) -> tuple[dict[str, Any], dict[str, Any], BlueskyAccount]:
    x = await live.connect_x()
    account = live.bluesky_account()
    bluesky = await live.connect_bluesky(account)
    assert x["status"] == bluesky["status"] == "active"
    return x, bluesky, account


def assert_on_x(live: Live, target: dict[str, Any], text: str) -> None:
    """Published to X: the tweet exists at the fake with that id, text and author."""
    assert target["status"] == "published" and target["error"] is None, target
    assert target["attempts"] == 1
    tweet_id = target["platform_post_id"]
    assert target["platform_post_url"] == (
        f"https://x.com/{DEFAULT_USER.username}/status/{tweet_id}"
    )
    [tweet] = [t for t in live.fake_x.tweets if t.id == tweet_id]
    assert (tweet.text, tweet.author_id) == (text, DEFAULT_USER.id)


def assert_on_bluesky(
    live: Live, target: dict[str, Any], account: BlueskyAccount, text: str
) -> None:
    """Published to Bluesky: an at:// record in the account's repo, read back from the PDS."""
    assert target["status"] == "published" and target["error"] is None, target
    assert target["attempts"] == 1
    uri = target["platform_post_id"]
    prefix = f"at://{account.did}/{POST_COLLECTION}/"
    assert uri.startswith(prefix), uri
    rkey = uri.removeprefix(prefix)
    assert rkey and "/" not in rkey
    assert target["platform_post_url"] == f"https://bsky.app/profile/{account.handle}/post/{rkey}"
    record = live.pds.get_record(account.did, POST_COLLECTION, rkey)
    assert record is not None and record["uri"] == uri
    assert record["value"]["text"] == text


def assert_failed(target: dict[str, Any], code: str) -> None:
    """Failed before anything was sent: no platform id, no attempt counted."""
    assert target["status"] == "failed", target
    assert target["error"]["code"] == code
    assert (target["platform_post_id"], target["platform_post_url"]) == (None, None)
    assert target["attempts"] == 0


async def test_scheduled_posts_are_published_at_their_time_with_platform_ids_and_urls(
    live: Live,
) -> None:
    x, bluesky, account = await connect_both(live)
    both = [x["id"], bluesky["id"]]
    early = await live.schedule("First out, on the next slot.", both, "next_slot")
    late = await live.schedule("Second, at noon sharp.", both, rfc3339(NOON))
    assert early["scheduled_at"] == rfc3339(ELEVEN) and late["scheduled_at"] == rfc3339(NOON)

    live.move_to(ELEVEN - timedelta(seconds=1))
    assert await live.run_publisher() == 0
    assert live.fake_x.tweets == [] and live.bluesky_posts(account) == []
    assert (await live.post(early["id"]))["status"] == "scheduled"

    live.move_to(ELEVEN)
    assert await live.run_publisher() == 2
    done = await live.post(early["id"])
    assert done["status"] == "published"
    assert done["published_at"] == rfc3339(ELEVEN)
    assert_on_x(live, target_on(done, x["id"]), early["content"])
    assert_on_bluesky(live, target_on(done, bluesky["id"]), account, early["content"])
    waiting = await live.post(late["id"])
    assert waiting["status"] == "scheduled"
    assert {t["status"] for t in waiting["post_targets"]} == {"pending"}
    assert len(live.fake_x.tweets) == 1 and len(live.bluesky_posts(account)) == 1

    live.move_to(NOON)
    assert await live.run_publisher() == 2
    done = await live.post(late["id"])
    assert done["status"] == "published" and done["published_at"] == rfc3339(NOON)
    assert_on_x(live, target_on(done, x["id"]), late["content"])
    assert_on_bluesky(live, target_on(done, bluesky["id"]), account, late["content"])
    assert len(live.fake_x.tweets) == 2 and len(live.bluesky_posts(account)) == 2
    assert live.fake_x.token_refreshes == 0  # the first access token still had 30 minutes
    listed = (await live.api.client.get("/v1/posts?status=published", headers=live.headers)).json()
    assert {p["id"] for p in listed["data"]} == {early["id"], late["id"]}


@pytest.mark.parametrize("we_know", [True, False], ids=["known-expired", "refused-by-x"])
async def test_an_expired_x_access_token_is_refreshed_on_the_way(live: Live, we_know: bool) -> None:
    """known-expired: both clocks pass the token's 7200 s, so we refresh before posting.
    refused-by-x: only X's clock does; X answers 401 and we refresh, then post once."""
    x = await live.connect_x()
    at = LATE if we_know else ELEVEN
    post = await live.schedule("Posted with a fresh token.", [x["id"]], rfc3339(at))

    live.move_to(at - timedelta(minutes=1))
    assert await live.run_publisher() == 0
    assert live.fake_x.token_refreshes == 0  # nothing refreshed before a post needs it
    if we_know:
        live.move_to(at)
    else:
        live.api.clock.set(at)
        live.fake_x.advance(ACCESS_TOKEN_LIFETIME)
    assert await live.run_publisher() == 1

    done = await live.post(post["id"])
    assert done["status"] == "published" and done["published_at"] == rfc3339(at)
    assert_on_x(live, done["post_targets"][0], post["content"])
    assert live.fake_x.token_refreshes == 1
    sends = {"201": 1} if we_know else {"401": 1, "201": 1}
    assert dict(live.fake_x.responses["create_tweet"]) == sends
    integration = await live.integration(x["id"])
    assert (integration["status"], integration["status_reason"]) == ("active", None)

    # The rotated refresh token was stored: the next expiry is refreshed with it.
    later = at + timedelta(hours=3)
    again = await live.schedule("Posted with the token after that.", [x["id"]], rfc3339(later))
    live.move_to(later)
    assert await live.run_publisher() == 1
    assert (await live.post(again["id"]))["status"] == "published"
    assert live.fake_x.token_refreshes == 2
    assert len(live.fake_x.tweets) == 2


async def x_token_call(live: Live, path: str, **form: str) -> httpx.Response:
    """The fake X's token endpoints, called as this server's X app (not through the app)."""
    auth = httpx.BasicAuth(DEFAULT_CLIENT.client_id, DEFAULT_CLIENT.secret or "")
    return await live.browser.post(live.fake_x.url(path), data=form, auth=auth)


@pytest.mark.parametrize("how", ["revoked", "spent"])
async def test_a_refresh_token_x_refuses_needs_the_account_connected_again(
    live: Live, how: str
) -> None:
    """revoked: the person revoked the app at X (both tokens die); the next post meets a 401
    and a refused refresh. spent: the refresh token was used elsewhere; our refresh, once the
    access token expired, is refused."""
    x, bluesky, account = await connect_both(live)
    at = ELEVEN if how == "revoked" else LATE
    post = await live.schedule("Only Bluesky gets this one.", [x["id"], bluesky["id"]], rfc3339(at))
    [refresh_token] = live.fake_x.oauth.refresh_tokens
    [access_token] = live.fake_x.oauth.access_tokens
    if how == "revoked":
        for token in (refresh_token, access_token):
            answer = await x_token_call(live, "/2/oauth2/revoke", token=token)
            assert answer.status_code == 200
        assert live.fake_x.revocations == 2
    else:
        answer = await x_token_call(
            live, "/2/oauth2/token", grant_type="refresh_token", refresh_token=refresh_token
        )
        assert answer.status_code == 200
        assert live.fake_x.token_refreshes == 1

    live.move_to(at)
    assert await live.run_publisher() == 2

    done = await live.post(post["id"])
    assert done["status"] == "failed"  # all finished, one failed
    assert_failed(target_on(done, x["id"]), "integration_needs_refresh")
    assert_on_bluesky(live, target_on(done, bluesky["id"]), account, post["content"])
    assert done["published_at"] == rfc3339(at)
    assert live.fake_x.tweets == []
    assert live.fake_x.responses["token"]["400"] == 1  # our one refresh, refused
    assert live.fake_x.responses["create_tweet"]["201"] == 0
    integration = await live.integration(x["id"])
    assert (integration["status"], integration["status_reason"]) == (
        "needs_refresh",
        "token_revoked",
    )
    assert [i["id"] for i in await live.integrations("needs_refresh")] == [x["id"]]
    failed = (await live.api.client.get("/v1/posts?status=failed", headers=live.headers)).json()
    assert [p["id"] for p in failed["data"]] == [post["id"]]


async def past_the_bluesky_session(live: Live, integration_id: str) -> datetime:
    """A moment after the stored access JWT's own expiry (two hours after it was issued,
    by the wall clock the PDS keeps): our clock goes there, so the session counts as
    expired on our side without waiting for it."""
    stored = await live.stored_credentials(integration_id)
    assert stored is not None and stored.expires_at is not None
    return stored.expires_at + timedelta(minutes=1)


async def test_an_expired_bluesky_session_is_renewed_on_the_way(live: Live) -> None:
    account = live.bluesky_account()
    bluesky = await live.connect_bluesky(account)
    post = await live.schedule("Bluesky, after a long pause.", [bluesky["id"]], rfc3339(ELEVEN))
    before = await live.stored_credentials(bluesky["id"])
    live.pds.reset_counts()

    live.move_to(await past_the_bluesky_session(live, bluesky["id"]))
    assert await live.run_publisher() == 1

    done = await live.post(post["id"])
    assert done["status"] == "published"
    assert_on_bluesky(live, done["post_targets"][0], account, post["content"])
    counts = live.pds.counts()
    assert counts["com.atproto.server.refreshSession"] == 1
    assert counts["com.atproto.server.createSession"] == 0  # renewed, not logged in again
    after = await live.stored_credentials(bluesky["id"])
    assert before is not None and after is not None
    # The renewed session was stored (the PDS rotates refresh JWTs; an access JWT made in
    # the same second as the first can be byte-identical to it).
    assert after.refresh_token != before.refresh_token
    integration = await live.integration(bluesky["id"])
    assert (integration["status"], integration["status_reason"]) == ("active", None)


async def test_a_revoked_app_password_with_an_expired_session_needs_refresh(live: Live) -> None:
    account = live.bluesky_account()
    bluesky = await live.connect_bluesky(account)
    post = await live.schedule("Never reaches Bluesky.", [bluesky["id"]], rfc3339(ELEVEN))
    live.pds.revoke_app_password(account.account, account.app_password_name)
    live.pds.reset_counts()

    live.move_to(await past_the_bluesky_session(live, bluesky["id"]))
    assert await live.run_publisher() == 1

    done = await live.post(post["id"])
    assert done["status"] == "failed"
    assert_failed(done["post_targets"][0], "integration_needs_refresh")
    assert live.bluesky_posts(account) == []
    counts = live.pds.counts()
    assert counts["com.atproto.server.refreshSession"] == 1  # the session was revoked with it
    assert counts["com.atproto.server.createSession"] == 1  # one login with the app password
    assert counts.get("com.atproto.repo.createRecord", 0) == 0
    integration = await live.integration(bluesky["id"])
    assert (integration["status"], integration["status_reason"]) == (
        "needs_refresh",
        "token_revoked",
    )


async def test_disconnected_then_reconnected_before_its_time_is_published(live: Live) -> None:
    x, bluesky, account = await connect_both(live)
    post = await live.schedule("Back in time for this.", [x["id"], bluesky["id"]], rfc3339(NOON))
    await live.disconnect(x["id"])
    await live.disconnect(bluesky["id"])

    live.move_to(ELEVEN)
    assert await live.run_publisher() == 0
    again_x = await live.connect_x()
    again_bluesky = await live.connect_bluesky(account)
    assert (again_x["id"], again_bluesky["id"]) == (x["id"], bluesky["id"])
    assert again_x["status"] == again_bluesky["status"] == "active"

    live.move_to(NOON)
    assert await live.run_publisher() == 2

    done = await live.post(post["id"])
    assert done["status"] == "published" and done["published_at"] == rfc3339(NOON)
    assert_on_x(live, target_on(done, x["id"]), post["content"])
    assert_on_bluesky(live, target_on(done, bluesky["id"]), account, post["content"])


async def test_disconnected_and_not_reconnected_fails_integration_disconnected(
    live: Live,
) -> None:
    x, bluesky, account = await connect_both(live)
    post = await live.schedule("Nobody is there for this.", [x["id"], bluesky["id"]], rfc3339(NOON))
    await live.disconnect(x["id"])
    await live.disconnect(bluesky["id"])
    assert (await live.post(post["id"]))["status"] == "scheduled"  # it stays scheduled
    requests_before = sum(live.fake_x.requests.values())
    live.pds.reset_counts()

    live.move_to(NOON)
    assert await live.run_publisher() == 2

    done = await live.post(post["id"])
    assert done["status"] == "failed" and done["published_at"] is None
    for integration_id in (x["id"], bluesky["id"]):
        assert_failed(target_on(done, integration_id), "integration_disconnected")
    assert live.fake_x.tweets == [] and live.bluesky_posts(account) == []
    assert sum(live.fake_x.requests.values()) == requests_before  # X was not even asked
    counts = live.pds.counts()
    for nsid in ("createSession", "refreshSession"):
        assert counts[f"com.atproto.server.{nsid}"] == 0
    assert counts.get("com.atproto.repo.createRecord", 0) == 0
