"""The fake X must behave as X documents it; these tests pin each rule over real HTTP."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.fakes.x import DEFAULT_CLIENT, DEFAULT_USER, FakeX

CLIENT_ID = DEFAULT_CLIENT.client_id
SECRET = DEFAULT_CLIENT.secret or ""
REDIRECT = DEFAULT_CLIENT.redirect_uris[0]
SCOPES = "tweet.read tweet.write users.read offline.access"
SPENT_TOKEN = {
    "error": "invalid_request",
    "error_description": "Value passed for the token was invalid.",
}
BAD_CODE = {
    "error": "invalid_request",
    "error_description": "Value passed for the authorization code was invalid.",
}
UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}
DUPLICATE = {
    "title": "Forbidden",
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "status": 403,
}
TOO_MANY = {
    "title": "Too Many Requests",
    "detail": "Too Many Requests",
    "type": "about:blank",
    "status": 429,
}
ROOT = Path(__file__).resolve().parents[2]


def pkce() -> tuple[str, str]:
    """A verifier and its S256 challenge, computed here independently of the fake."""
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    )
    return verifier, challenge


def basic(client_id: str = CLIENT_ID, secret: str = SECRET) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def redirect_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    return {
        key: values[0]
        for key, values in parse_qs(urlsplit(response.headers["location"]).query).items()
    }


async def until(condition: Callable[[], bool], timeout_s: float = 10) -> None:
    """Waits for the fake to reach a state; a server thread does the work."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the fake never got there"
        await asyncio.sleep(0.01)


@pytest.fixture
async def http(fake_x: FakeX) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=fake_x.url(""), follow_redirects=False, timeout=5
    ) as client:
        yield client


async def authorize(
    http: httpx.AsyncClient,
    challenge: str,
    *,
    client_id: str = CLIENT_ID,
    redirect_uri: str = REDIRECT,
    scope: str = SCOPES,
    state: str = "state-123",
    override: dict[str, str] | None = None,
) -> httpx.Response:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return await http.get("/i/oauth2/authorize", params=params | (override or {}))


async def exchange(
    http: httpx.AsyncClient,
    code: str,
    verifier: str,
    *,
    redirect_uri: str = REDIRECT,
    headers: dict[str, str] | None = None,
    extra: dict[str, str] | None = None,
) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
    }
    return await http.post(
        "/2/oauth2/token",
        data=form | (extra or {}),
        headers=basic() if headers is None else headers,
    )


async def refresh(http: httpx.AsyncClient, token: str) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": token}
    return await http.post("/2/oauth2/token", data=form, headers=basic())


async def login(http: httpx.AsyncClient, scope: str = SCOPES) -> dict[str, Any]:
    verifier, challenge = pkce()
    code = redirect_params(await authorize(http, challenge, scope=scope))["code"]
    response = await exchange(http, code, verifier)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def post_tweet(http: httpx.AsyncClient, token: str, text: str) -> httpx.Response:
    return await http.post("/2/tweets", json={"text": text}, headers=bearer(token))


async def me(http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await http.get(
        "/2/users/me", params={"user.fields": "profile_image_url"}, headers=bearer(token)
    )


class TestAuthorize:
    async def test_consent_redirects_to_the_callback_with_a_code_and_the_state_echoed(
        self, http: httpx.AsyncClient
    ) -> None:
        state = "a b/c?d=é&" + "x" * 490
        assert len(state) == 500
        response = await authorize(http, pkce()[1], state=state)
        assert response.headers["location"].startswith(REDIRECT + "?")
        params = redirect_params(response)
        assert params["state"] == state
        assert params["code"]

    @pytest.mark.parametrize(
        "override",
        [
            {"client_id": "nobody"},
            {"redirect_uri": "http://127.0.0.1:8000/elsewhere"},
            {"redirect_uri": REDIRECT + "/"},
            {"state": "s" * 501},
            {"state": ""},
            {"scope": "tweet.read not.a.scope"},
            {"response_type": "token"},
            {"code_challenge": ""},
            {"code_challenge_method": "S512"},
        ],
    )
    async def test_a_malformed_authorization_request_is_an_error_page(
        self, http: httpx.AsyncClient, override: dict[str, str]
    ) -> None:
        response = await authorize(http, pkce()[1], override=override)
        assert response.status_code == 400
        assert "location" not in response.headers

    async def test_the_callback_must_be_registered_for_that_very_app(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        fake_x.register_client("other-app", "s", ["http://127.0.0.1:9/other"])
        response = await authorize(http, pkce()[1], redirect_uri="http://127.0.0.1:9/other")
        assert response.status_code == 400

    async def test_a_denied_authorization_redirects_with_access_denied(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        fake_x.deny_next_authorization()
        params = redirect_params(await authorize(http, pkce()[1], state="keep-me"))
        assert params == {"error": "access_denied", "state": "keep-me"}
        assert "code" in redirect_params(await authorize(http, pkce()[1]))

    async def test_a_reduced_grant_drops_the_unticked_scopes(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        fake_x.grant_next_authorization(scopes=["tweet.read", "users.read", "offline.access"])
        tokens = await login(http)
        assert tokens["scope"].split() == ["tweet.read", "users.read", "offline.access"]
        assert (await me(http, tokens["access_token"])).status_code == 200
        response = await post_tweet(http, tokens["access_token"], "hello")
        assert response.status_code == 403
        assert response.json()["title"] == "Forbidden"

    async def test_the_browser_user_decides_whose_token_it_is(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        fake_x.register_user(
            "1500000000000000001", "alice", "Alice", "https://img.example/alice.png"
        )
        fake_x.register_user("1500000000000000002", "bob", "Bob")
        fake_x.sign_in("1500000000000000001")
        alice = await login(http)
        fake_x.grant_next_authorization(user_id="1500000000000000002")
        bob = await login(http)
        assert (await me(http, alice["access_token"])).json() == {
            "data": {
                "id": "1500000000000000001",
                "name": "Alice",
                "username": "alice",
                "profile_image_url": "https://img.example/alice.png",
            }
        }
        assert (await me(http, bob["access_token"])).json()["data"]["username"] == "bob"


class TestTokenExchange:
    async def test_pkce_exchange_returns_xs_token_shape(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        tokens = await login(http)
        assert tokens["token_type"] == "bearer"
        assert tokens["expires_in"] == 7200
        assert tokens["scope"] == SCOPES
        assert tokens["access_token"] and tokens["refresh_token"]
        assert tokens["access_token"] != tokens["refresh_token"]
        assert fake_x.code_exchanges == 1

    async def test_without_offline_access_there_is_no_refresh_token(
        self, http: httpx.AsyncClient
    ) -> None:
        tokens = await login(http, scope="tweet.read users.read")
        assert "refresh_token" not in tokens

    async def test_a_verifier_that_does_not_hash_to_the_challenge_is_refused(
        self, http: httpx.AsyncClient
    ) -> None:
        _, challenge = pkce()
        code = redirect_params(await authorize(http, challenge))["code"]
        response = await exchange(http, code, pkce()[0])
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"

    async def test_a_code_is_good_for_30_seconds(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        verifier, challenge = pkce()
        fresh = redirect_params(await authorize(http, challenge))["code"]
        stale_verifier, stale_challenge = pkce()
        stale = redirect_params(await authorize(http, stale_challenge))["code"]
        fake_x.advance(29)
        assert (await exchange(http, fresh, verifier)).status_code == 200
        fake_x.advance(1)
        response = await exchange(http, stale, stale_verifier)
        assert (response.status_code, response.json()) == (400, BAD_CODE)

    async def test_a_code_is_single_use(self, http: httpx.AsyncClient) -> None:
        verifier, challenge = pkce()
        code = redirect_params(await authorize(http, challenge))["code"]
        assert (await exchange(http, code, verifier)).status_code == 200
        response = await exchange(http, code, verifier)
        assert (response.status_code, response.json()) == (400, BAD_CODE)

    async def test_the_redirect_uri_must_repeat_the_one_authorized(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        fake_x.register_client(CLIENT_ID, SECRET, [REDIRECT, "http://127.0.0.1:8000/second"])
        verifier, challenge = pkce()
        code = redirect_params(await authorize(http, challenge))["code"]
        response = await exchange(http, code, verifier, redirect_uri="http://127.0.0.1:8000/second")
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
        assert (await exchange(http, code, verifier)).status_code == 200

    async def test_a_missing_parameter_is_named(self, http: httpx.AsyncClient) -> None:
        response = await http.post(
            "/2/oauth2/token",
            data={"grant_type": "authorization_code", "code": "c"},
            headers=basic(),
        )
        assert response.status_code == 400
        assert response.json() == {
            "error": "invalid_request",
            "error_description": "Missing required parameter [redirect_uri].",
        }

    async def test_the_token_endpoint_reads_only_form_bodies(self, http: httpx.AsyncClient) -> None:
        verifier, challenge = pkce()
        code = redirect_params(await authorize(http, challenge))["code"]
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        }
        as_json = await http.post("/2/oauth2/token", json=form, headers=basic())
        assert as_json.status_code == 400
        assert (await exchange(http, code, verifier)).status_code == 200


class TestClientAuthentication:
    async def test_a_confidential_client_with_the_wrong_secret_is_unauthorized(
        self, http: httpx.AsyncClient
    ) -> None:
        verifier, challenge = pkce()
        code = redirect_params(await authorize(http, challenge))["code"]
        response = await exchange(http, code, verifier, headers=basic(secret="wrong"))
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized_client"
        assert (await exchange(http, code, verifier)).status_code == 200

    async def test_a_confidential_client_may_not_skip_basic_auth(
        self, http: httpx.AsyncClient
    ) -> None:
        verifier, challenge = pkce()
        code = redirect_params(await authorize(http, challenge))["code"]
        response = await exchange(http, code, verifier, headers={}, extra={"client_id": CLIENT_ID})
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized_client"

    async def test_a_public_client_sends_its_client_id_in_the_body(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        fake_x.register_client("public-app", None, ["http://127.0.0.1:7000/cb"])
        verifier, challenge = pkce()
        response = await authorize(
            http, challenge, client_id="public-app", redirect_uri="http://127.0.0.1:7000/cb"
        )
        code = redirect_params(response)["code"]
        without_id = await exchange(
            http, code, verifier, redirect_uri="http://127.0.0.1:7000/cb", headers={}
        )
        assert without_id.status_code == 401
        response = await exchange(
            http,
            code,
            verifier,
            redirect_uri="http://127.0.0.1:7000/cb",
            headers={},
            extra={"client_id": "public-app"},
        )
        assert response.status_code == 200
        renewed = await http.post(
            "/2/oauth2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": response.json()["refresh_token"],
                "client_id": "public-app",
            },
        )
        assert renewed.status_code == 200

    async def test_a_code_belongs_to_the_app_it_was_issued_to(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        fake_x.register_client("other-app", "other-secret", [REDIRECT])
        verifier, challenge = pkce()
        code = redirect_params(await authorize(http, challenge))["code"]
        response = await exchange(http, code, verifier, headers=basic("other-app", "other-secret"))
        assert (response.status_code, response.json()) == (400, BAD_CODE)


class TestRefresh:
    async def test_refresh_tokens_rotate_and_a_spent_one_is_invalid(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        first = await login(http)
        response = await refresh(http, first["refresh_token"])
        assert response.status_code == 200
        second = response.json()
        assert second["expires_in"] == 7200 and second["token_type"] == "bearer"
        assert second["scope"] == SCOPES
        assert second["refresh_token"] != first["refresh_token"]
        assert second["access_token"] != first["access_token"]
        replay = await refresh(http, first["refresh_token"])
        assert (replay.status_code, replay.json()) == (400, SPENT_TOKEN)
        assert (await refresh(http, second["refresh_token"])).status_code == 200
        assert fake_x.token_refreshes == 2

    async def test_an_unknown_refresh_token_is_invalid(self, http: httpx.AsyncClient) -> None:
        response = await refresh(http, "bm90LWEtdG9rZW4")
        assert (response.status_code, response.json()) == (400, SPENT_TOKEN)

    async def test_a_refreshed_access_token_works(self, http: httpx.AsyncClient) -> None:
        first = await login(http)
        second = (await refresh(http, first["refresh_token"])).json()
        assert (await me(http, second["access_token"])).status_code == 200


class TestAccessTokens:
    async def test_users_me_returns_the_user_and_only_requested_fields(
        self, http: httpx.AsyncClient
    ) -> None:
        token = (await login(http))["access_token"]
        assert (await me(http, token)).json() == {
            "data": {
                "id": DEFAULT_USER.id,
                "name": DEFAULT_USER.name,
                "username": DEFAULT_USER.username,
                "profile_image_url": DEFAULT_USER.profile_image_url,
            }
        }
        plain = await http.get("/2/users/me", headers=bearer(token))
        assert "profile_image_url" not in plain.json()["data"]

    async def test_an_access_token_dies_after_7200_seconds(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        token = (await login(http))["access_token"]
        fake_x.advance(7199)
        assert (await me(http, token)).status_code == 200
        fake_x.advance(1)
        response = await me(http, token)
        assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, basic()])
    async def test_no_or_a_bad_bearer_token_is_unauthorized(
        self, http: httpx.AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await http.get("/2/users/me", headers=headers)
        assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


class TestRevoke:
    async def test_revoking_an_access_token_stops_it(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        tokens = await login(http)
        response = await http.post(
            "/2/oauth2/revoke", data={"token": tokens["access_token"]}, headers=basic()
        )
        assert (response.status_code, response.json()) == (200, {"revoked": True})
        assert (await me(http, tokens["access_token"])).status_code == 401
        assert fake_x.revocations == 1

    async def test_revoking_a_refresh_token_stops_it(self, http: httpx.AsyncClient) -> None:
        tokens = await login(http)
        data = {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"}
        assert (await http.post("/2/oauth2/revoke", data=data, headers=basic())).json() == {
            "revoked": True
        }
        response = await refresh(http, tokens["refresh_token"])
        assert (response.status_code, response.json()) == (400, SPENT_TOKEN)

    async def test_revoking_needs_client_authentication(self, http: httpx.AsyncClient) -> None:
        tokens = await login(http)
        response = await http.post(
            "/2/oauth2/revoke",
            data={"token": tokens["access_token"]},
            headers=basic(secret="wrong"),
        )
        assert response.status_code == 401
        assert (await me(http, tokens["access_token"])).status_code == 200


class TestTweets:
    async def test_a_post_is_created(self, http: httpx.AsyncClient, fake_x: FakeX) -> None:
        token = (await login(http))["access_token"]
        response = await post_tweet(http, token, "Hello from the fake")
        assert response.status_code == 201
        data = response.json()["data"]
        assert data == {
            "id": data["id"],
            "text": "Hello from the fake",
            "edit_history_tweet_ids": [data["id"]],
        }
        assert data["id"].isdigit() and len(data["id"]) >= 18
        assert [tweet.text for tweet in fake_x.tweets_by(DEFAULT_USER.id)] == [
            "Hello from the fake"
        ]

    async def test_duplicate_text_by_the_same_user_is_forbidden(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        token = (await login(http))["access_token"]
        assert (await post_tweet(http, token, "same words")).status_code == 201
        response = await post_tweet(http, token, "same words")
        assert (response.status_code, response.json()) == (403, DUPLICATE)
        fake_x.register_user("42", "other", "Other")
        fake_x.sign_in("42")
        other = (await login(http))["access_token"]
        assert (await post_tweet(http, other, "same words")).status_code == 201
        assert fake_x.tweets_per_user() == {DEFAULT_USER.id: 1, "42": 1}

    @pytest.mark.parametrize(
        ("text", "status"),
        [
            ("a" * 280, 201),
            ("a" * 281, 400),
            ("界" * 140, 201),
            ("界" * 141, 400),
            ("https://example.com/" + "x" * 300 + " " + "a" * 256, 201),
            ("https://example.com/ " + "a" * 257, 400),
        ],
    )
    async def test_text_is_limited_to_280_weighted_characters(
        self, http: httpx.AsyncClient, text: str, status: int
    ) -> None:
        token = (await login(http))["access_token"]
        response = await post_tweet(http, token, text)
        assert response.status_code == status, response.text
        if status == 400:
            assert response.json()["errors"][0]["message"].startswith(
                "Your Tweet text is too long."
            )

    async def test_posting_needs_a_json_body_with_text(self, http: httpx.AsyncClient) -> None:
        token = (await login(http))["access_token"]
        form = await http.post("/2/tweets", data={"text": "hi"}, headers=bearer(token))
        empty = await http.post("/2/tweets", json={}, headers=bearer(token))
        assert (form.status_code, empty.status_code) == (400, 400)
        assert form.json()["title"] == "Invalid Request"

    async def test_rate_limit_answers_429_with_reset_headers(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        fake_x.set_rate_limit("create_tweet", limit=2, window_seconds=900)
        token = (await login(http))["access_token"]
        started = int(fake_x.now())
        first = await post_tweet(http, token, "one")
        assert first.headers["x-rate-limit-limit"] == "2"
        assert first.headers["x-rate-limit-remaining"] == "1"
        assert first.headers["x-rate-limit-reset"] == str(started + 900)
        assert (await post_tweet(http, token, "two")).headers["x-rate-limit-remaining"] == "0"
        limited = await post_tweet(http, token, "three")
        assert (limited.status_code, limited.json()) == (429, TOO_MANY)
        assert limited.headers["x-rate-limit-remaining"] == "0"
        assert limited.headers["x-rate-limit-reset"] == str(started + 900)
        fake_x.advance(900)
        assert (await post_tweet(http, token, "three")).status_code == 201


class TestFaults:
    async def test_the_next_n_answers_can_be_server_errors(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        token = (await login(http))["access_token"]
        fake_x.fail_next("create_tweet", status=503, times=2)
        statuses = [(await post_tweet(http, token, f"try {n}")).status_code for n in range(3)]
        assert statuses == [503, 503, 201]
        assert [tweet.text for tweet in fake_x.tweets] == ["try 2"]
        assert fake_x.responses["create_tweet"] == {"503": 2, "201": 1}

    async def test_a_programmed_429_carries_its_reset_time(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        fake_x.rate_limit_next("token", reset_in=60)
        response = await refresh(http, "anything")
        assert (response.status_code, response.json()) == (429, TOO_MANY)
        assert response.headers["x-rate-limit-reset"] == str(int(fake_x.now()) + 60)
        assert response.headers["x-rate-limit-remaining"] == "0"

    async def test_a_connection_can_be_reset(self, http: httpx.AsyncClient, fake_x: FakeX) -> None:
        token = (await login(http))["access_token"]
        fake_x.reset_next("users_me")
        with pytest.raises(httpx.TransportError):
            await me(http, token)
        assert (await me(http, token)).status_code == 200
        assert fake_x.responses["users_me"]["reset"] == 1

    async def test_a_lost_answer_can_follow_a_done_deed(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        tokens = await login(http)
        fake_x.reset_next("create_tweet", after_effect=True)
        with pytest.raises(httpx.TransportError):
            await post_tweet(http, tokens["access_token"], "did it post?")
        assert [tweet.text for tweet in fake_x.tweets] == ["did it post?"]
        fake_x.fail_next("token", status=500, after_effect=True)
        assert (await refresh(http, tokens["refresh_token"])).status_code == 500
        assert (await refresh(http, tokens["refresh_token"])).json() == SPENT_TOKEN

    async def test_malformed_json_can_be_served(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        fake_x.malformed_next("token")
        response = await refresh(http, "anything")
        assert response.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            response.json()

    async def test_a_response_can_be_slow_and_latency_fixed(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        token = (await login(http))["access_token"]
        fake_x.delay_next("users_me", seconds=0.3)
        started = time.perf_counter()
        assert (await me(http, token)).status_code == 200
        slow = time.perf_counter() - started
        fake_x.latency = 0.05
        started = time.perf_counter()
        assert (await me(http, token)).status_code == 200
        steady = time.perf_counter() - started
        assert slow >= 0.3 and 0.05 <= steady < slow

    async def test_a_slow_answer_trips_a_client_timeout(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        """The abandoned request finishes inside the fake; wait so it counts here, not later."""
        token = (await login(http))["access_token"]
        fake_x.delay_next("users_me", seconds=0.3)
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/2/users/me", headers=bearer(token), timeout=0.05)
        await asyncio.sleep(0.3)

    async def test_a_request_can_be_held_until_released(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        """Held: received and counted, unanswered, nothing done; released: carried out."""
        token = (await login(http))["access_token"]
        fake_x.hold_next("create_tweet")
        held = asyncio.create_task(post_tweet(http, token, "held back"))
        await until(lambda: fake_x.held("create_tweet") == 1)
        assert (await post_tweet(http, token, "not held")).status_code == 201
        assert not held.done()
        assert fake_x.requests["create_tweet"] == 2
        assert [tweet.text for tweet in fake_x.tweets] == ["not held"]
        assert fake_x.state()["held"] == {"create_tweet": 1}
        assert fake_x.release("create_tweet") == 1
        assert (await held).status_code == 201
        assert [tweet.text for tweet in fake_x.tweets] == ["not held", "held back"]
        assert fake_x.held("create_tweet") == 0 and fake_x.release() == 0

    async def test_held_requests_are_let_go_by_reset_and_over_http(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        fake_x.hold_next("users_me", times=2)
        first = asyncio.create_task(me(http, "no-such-token"))
        await until(lambda: fake_x.held("users_me") == 1)
        fake_x.reset()
        assert (await first).status_code == 401
        await http.post("/_fake/faults", json={"endpoint": "users_me", "kind": "hold"})
        second = asyncio.create_task(me(http, "no-such-token"))
        await until(lambda: fake_x.held("users_me") == 1)
        assert (await http.post("/_fake/release", json={})).json() == {"released": 1}
        assert (await second).status_code == 401

    async def test_reset_forgets_faults_tokens_and_posts(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        token = (await login(http))["access_token"]
        await post_tweet(http, token, "before reset")
        fake_x.fail_next("users_me")
        fake_x.reset()
        assert fake_x.tweets == [] and fake_x.faults.pending() == {}
        assert (await me(http, token)).status_code == 401


class TestObservation:
    async def test_counts_are_kept_per_endpoint(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        tokens = await login(http)
        await refresh(http, tokens["refresh_token"])
        await refresh(http, tokens["refresh_token"])
        assert fake_x.requests == {"authorize": 1, "token": 3}
        assert fake_x.responses["token"] == {"200": 2, "400": 1}
        assert (fake_x.code_exchanges, fake_x.token_refreshes) == (1, 1)


class TestControlRoutes:
    async def test_the_fake_can_be_driven_over_http(self, http: httpx.AsyncClient) -> None:
        assert (
            await http.post("/_fake/users", json={"id": "7", "username": "seven", "name": "Seven"})
        ).is_success
        clients = {
            "client_id": "e2e",
            "client_secret": "s3",
            "redirect_uris": ["http://127.0.0.1:1/cb"],
        }
        assert (await http.post("/_fake/clients", json=clients)).is_success
        assert (await http.post("/_fake/browser-user", json={"user_id": "7"})).is_success
        await http.post("/_fake/consent", json={"decision": "deny"})
        verifier, challenge = pkce()
        denied = await authorize(
            http, challenge, client_id="e2e", redirect_uri="http://127.0.0.1:1/cb"
        )
        assert redirect_params(denied)["error"] == "access_denied"
        await http.post(
            "/_fake/consent", json={"decision": "grant", "scopes": "tweet.read users.read"}
        )
        granted = await authorize(
            http, challenge, client_id="e2e", redirect_uri="http://127.0.0.1:1/cb"
        )
        code = redirect_params(granted)["code"]
        response = await exchange(
            http, code, verifier, redirect_uri="http://127.0.0.1:1/cb", headers=basic("e2e", "s3")
        )
        assert response.json()["scope"] == "tweet.read users.read"
        token = response.json()["access_token"]
        assert (await me(http, token)).json()["data"]["username"] == "seven"
        await http.post(
            "/_fake/faults", json={"endpoint": "users_me", "kind": "status", "status": 500}
        )
        assert (await me(http, token)).status_code == 500
        assert (await http.post("/_fake/clock/advance", json={"seconds": 7200})).json()["now"] > 0
        assert (await me(http, token)).status_code == 401
        state = (await http.get("/_fake/state")).json()
        assert state["requests"]["users_me"] == 3
        assert state["code_exchanges"] == 1
        assert (await http.post("/_fake/reset")).is_success
        assert (await http.get("/_fake/state")).json()["requests"] == {}

    async def test_rate_limits_and_latency_are_settable(
        self, http: httpx.AsyncClient, fake_x: FakeX
    ) -> None:
        await http.post("/_fake/rate-limits", json={"endpoint": "users_me", "limit": 1})
        await http.post("/_fake/latency", json={"ms": 20})
        token = (await login(http))["access_token"]
        assert (await me(http, token)).status_code == 200
        assert (await me(http, token)).status_code == 429
        assert fake_x.latency == 0.02

    async def test_bad_control_input_is_a_400(self, http: httpx.AsyncClient) -> None:
        response = await http.post("/_fake/faults", json={"endpoint": "nowhere", "kind": "status"})
        assert response.status_code == 400


def test_the_fake_runs_as_a_separate_process() -> None:
    """`python -m tests.fakes.fake_x` announces its URL and serves a full flow."""
    command = [
        sys.executable,
        "-m",
        "tests.fakes.fake_x",
        "--port",
        "0",
        "--latency-ms",
        "1",
        "--client-id",
        "cli-app",
        "--redirect-uri",
        "http://127.0.0.1:5/cb",
        "--rate-limit",
        "create_tweet=5000/900",
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip().rsplit(" ", 1)[-1]
        assert base_url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=base_url, follow_redirects=False, timeout=5) as client:
            verifier, challenge = pkce()
            params = {
                "response_type": "code",
                "client_id": "cli-app",
                "redirect_uri": "http://127.0.0.1:5/cb",
                "scope": SCOPES,
                "state": "s",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
            code = redirect_params(client.get("/i/oauth2/authorize", params=params))["code"]
            form = {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://127.0.0.1:5/cb",
                "code_verifier": verifier,
                "client_id": "cli-app",
            }
            token = client.post("/2/oauth2/token", data=form).json()["access_token"]
            created = client.post("/2/tweets", json={"text": "from afar"}, headers=bearer(token))
            assert created.headers["x-rate-limit-limit"] == "5000"
            state = client.get("/_fake/state").json()
            assert state["tweets_per_user"] == {DEFAULT_USER.id: 1}
            assert state["latency_ms"] == 1
    finally:
        process.terminate()
        process.wait(timeout=10)
