"""The fake X's replies, quotes, user timeline, 24-hour caps: as X documents them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.fakes.test_fake_x import bearer, login
from tests.fakes.x import DEFAULT_USER, FakeX

NOT_VISIBLE_REPLY = {
    "title": "Forbidden",
    "detail": "You attempted to reply to a Tweet that is deleted or not visible to you.",
    "type": "about:blank",
    "status": 403,
}


@pytest.fixture
async def http(fake_x: FakeX) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=fake_x.url(""), timeout=5) as client:
        yield client


@pytest.fixture
async def token(http: httpx.AsyncClient) -> str:
    return str((await login(http))["access_token"])


async def post(http: httpx.AsyncClient, token: str, **body: Any) -> httpx.Response:
    return await http.post("/2/tweets", json=body, headers=bearer(token))


async def timeline(
    http: httpx.AsyncClient, token: str, user_id: str = DEFAULT_USER.id, **query: str
) -> httpx.Response:
    return await http.get(f"/2/users/{user_id}/tweets", params=query, headers=bearer(token))


class TestReplies:
    async def test_a_reply_names_its_parent_and_joins_its_conversation(
        self, http: httpx.AsyncClient, fake_x: FakeX, token: str
    ) -> None:
        root = (await post(http, token, text="1/3")).json()["data"]["id"]
        second = await post(http, token, text="2/3", reply={"in_reply_to_tweet_id": root})
        assert second.status_code == 201
        second_id = second.json()["data"]["id"]
        third = await post(http, token, text="3/3", reply={"in_reply_to_tweet_id": second_id})
        stored = {t.id: t for t in fake_x.tweets}
        third_tweet = stored[third.json()["data"]["id"]]
        assert third_tweet.in_reply_to_tweet_id == second_id
        assert third_tweet.conversation_id == root == stored[second_id].conversation_id

    async def test_replying_to_a_deleted_or_unknown_post_is_forbidden(
        self, http: httpx.AsyncClient, fake_x: FakeX, token: str
    ) -> None:
        gone = fake_x.seed_tweet(DEFAULT_USER.id, "soon gone")
        fake_x.delete_tweet(gone.id)
        for parent in (gone.id, "1234567890123456789"):
            response = await post(http, token, text="hi", reply={"in_reply_to_tweet_id": parent})
            assert (response.status_code, response.json()) == (403, NOT_VISIBLE_REPLY)
        assert [t.text for t in fake_x.tweets] == ["soon gone"]

    async def test_replying_to_a_protected_account_is_forbidden(
        self, http: httpx.AsyncClient, fake_x: FakeX, token: str
    ) -> None:
        fake_x.register_user("77", "locked")
        fake_x.protect("77")
        hidden = fake_x.seed_tweet("77", "for my followers")
        response = await post(http, token, text="hi", reply={"in_reply_to_tweet_id": hidden.id})
        assert response.status_code == 403

    async def test_malformed_references_are_invalid_requests(
        self, http: httpx.AsyncClient, token: str
    ) -> None:
        root = (await post(http, token, text="root")).json()["data"]["id"]
        bad = [
            {"reply": {"in_reply_to_tweet_id": 12}},
            {"reply": {}},
            {"quote_tweet_id": "abc"},
            {"quote_tweet_id": root, "reply": {"in_reply_to_tweet_id": root}},
        ]
        for extra in bad:
            response = await post(http, token, text="x", **extra)
            assert response.status_code == 400, extra
            assert response.json()["title"] == "Invalid Request"


class TestQuotes:
    async def test_a_quote_names_the_quoted_post(
        self, http: httpx.AsyncClient, fake_x: FakeX, token: str
    ) -> None:
        fake_x.register_user("77", "someone")
        quoted = fake_x.seed_tweet("77", "worth quoting")
        response = await post(http, token, text="so true", quote_tweet_id=quoted.id)
        assert response.status_code == 201
        [mine] = fake_x.tweets_by(DEFAULT_USER.id)
        assert mine.quote_tweet_id == quoted.id and mine.in_reply_to_tweet_id is None

    async def test_quoting_a_missing_post_is_forbidden(
        self, http: httpx.AsyncClient, fake_x: FakeX, token: str
    ) -> None:
        response = await post(http, token, text="so true", quote_tweet_id="999999999")
        assert response.status_code == 403
        assert "quote" in response.json()["detail"]
        assert fake_x.tweets == []


class TestUserTimeline:
    async def test_recent_posts_newest_first_with_their_references(
        self, http: httpx.AsyncClient, token: str
    ) -> None:
        root = (await post(http, token, text="first")).json()["data"]["id"]
        reply = await post(http, token, text="second", reply={"in_reply_to_tweet_id": root})
        response = await timeline(
            http, token, max_results="5", **{"tweet.fields": "created_at,referenced_tweets"}
        )
        assert response.status_code == 200
        body = response.json()
        assert [t["text"] for t in body["data"]] == ["second", "first"]
        assert body["data"][0]["referenced_tweets"] == [{"type": "replied_to", "id": root}]
        assert "referenced_tweets" not in body["data"][1]
        assert re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["data"][0]["created_at"]
        )
        newest = reply.json()["data"]["id"]
        assert body["meta"] == {"result_count": 2, "newest_id": newest, "oldest_id": root}

    async def test_pages_since_id_and_deleted_posts(
        self, http: httpx.AsyncClient, fake_x: FakeX, token: str
    ) -> None:
        ids = [(await post(http, token, text=f"p{i}")).json()["data"]["id"] for i in range(7)]
        fake_x.delete_tweet(ids[6])
        first = (await timeline(http, token, max_results="5")).json()
        assert [t["text"] for t in first["data"]] == ["p5", "p4", "p3", "p2", "p1"]
        rest = await timeline(
            http, token, max_results="5", pagination_token=first["meta"]["next_token"]
        )
        assert [t["text"] for t in rest.json()["data"]] == ["p0"]
        since = await timeline(http, token, max_results="5", since_id=ids[3])
        assert [t["text"] for t in since.json()["data"]] == ["p5", "p4"]

    async def test_empty_unknown_and_out_of_range(
        self, http: httpx.AsyncClient, token: str
    ) -> None:
        assert (await timeline(http, token)).json() == {"meta": {"result_count": 0}}
        unknown = (await timeline(http, token, user_id="31337")).json()
        assert unknown["errors"][0]["title"] == "Not Found Error" and "data" not in unknown
        assert (await timeline(http, token, max_results="4")).status_code == 400


class TestRateHeaders:
    async def test_every_post_reports_the_15_minute_and_24_hour_windows(
        self, http: httpx.AsyncClient, fake_x: FakeX, token: str
    ) -> None:
        fake_x.set_daily_caps(user=3, app=50)
        response = await post(http, token, text="one")
        headers = response.headers
        assert headers["x-rate-limit-remaining"] == "99"
        assert headers["x-user-limit-24hour-limit"] == "3"
        assert headers["x-user-limit-24hour-remaining"] == "2"
        assert headers["x-app-limit-24hour-remaining"] == "49"
        reset = int(headers["x-user-limit-24hour-reset"])
        assert reset == int(fake_x.now()) + 86_400

    async def test_the_24_hour_cap_refuses_until_its_reset(
        self, http: httpx.AsyncClient, fake_x: FakeX, token: str
    ) -> None:
        fake_x.set_daily_caps(user=2)
        for text in ("a", "b"):
            assert (await post(http, token, text=text)).status_code == 201
        refused = await post(http, token, text="c")
        assert refused.status_code == 429
        assert refused.headers["x-user-limit-24hour-remaining"] == "0"
        assert int(refused.headers["x-rate-limit-remaining"]) > 0
        fake_x.advance(86_400)
        fresh = str((await login(http))["access_token"])  # the old token has expired
        assert (await post(http, fresh, text="c")).status_code == 201

    async def test_the_caps_are_settable_over_http(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        assert (await http.post("/_fake/daily-caps", json={"app": 1})).status_code == 200
        seeded = await http.post("/_fake/tweets", json={"user_id": DEFAULT_USER.id, "text": "x"})
        tweet_id = seeded.json()["data"]["id"]
        assert (await http.post("/_fake/tweets/delete", json={"id": tweet_id})).status_code == 200
        assert fake_x.api.daily.app_cap == 1 and fake_x.api.deleted == {tweet_id}
