"""/_fake/* routes: drive the fake from another process (e2e tests, benchmarks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .faults import Fault
from .wire import Reply, Request

if TYPE_CHECKING:
    from .fake import FakeX

OK = {"ok": True}


def _body(request: Request) -> dict[str, Any]:
    data = request.json() if request.body else {}
    if not isinstance(data, dict):
        raise ValueError("control bodies are JSON objects")
    return data


def _state(fake: FakeX, request: Request) -> Reply:
    return Reply.json(200, fake.state())


def _reset(fake: FakeX, request: Request) -> Reply:
    fake.reset()
    return Reply.json(200, OK)


def _advance(fake: FakeX, request: Request) -> Reply:
    return Reply.json(200, {"now": fake.advance(float(_body(request)["seconds"]))})


def _client(fake: FakeX, request: Request) -> Reply:
    data = _body(request)
    fake.register_client(
        data["client_id"], data.get("client_secret"), data.get("redirect_uris", [])
    )
    return Reply.json(200, OK)


def _user(fake: FakeX, request: Request) -> Reply:
    data = _body(request)
    user = fake.register_user(
        data["id"], data["username"], data.get("name"), data.get("profile_image_url")
    )
    return Reply.json(200, {"data": user.fields({"profile_image_url"})})


def _browser_user(fake: FakeX, request: Request) -> Reply:
    fake.sign_in(_body(request)["user_id"])
    return Reply.json(200, OK)


def _consent(fake: FakeX, request: Request) -> Reply:
    data = _body(request)
    if data.get("decision") == "deny":
        fake.deny_next_authorization()
    elif data.get("decision", "grant") == "grant":
        scopes = data.get("scopes")
        if isinstance(scopes, str):
            scopes = scopes.split()
        fake.grant_next_authorization(scopes, data.get("user_id"))
    else:
        raise ValueError("decision is 'grant' or 'deny'")
    return Reply.json(200, OK)


def _fault(fake: FakeX, request: Request) -> Reply:
    data = _body(request)
    fake.inject(data["endpoint"], Fault.from_json(data), int(data.get("times", 1)))
    return Reply.json(200, {"pending_faults": fake.faults.pending()})


def _release(fake: FakeX, request: Request) -> Reply:
    return Reply.json(200, {"released": fake.release(_body(request).get("endpoint"))})


def _latency(fake: FakeX, request: Request) -> Reply:
    fake.latency = float(_body(request)["ms"]) / 1000
    return Reply.json(200, OK)


def _rate_limit(fake: FakeX, request: Request) -> Reply:
    data = _body(request)
    fake.set_rate_limit(data["endpoint"], int(data["limit"]), int(data.get("window_seconds", 900)))
    return Reply.json(200, OK)


def _daily_caps(fake: FakeX, request: Request) -> Reply:
    data = _body(request)
    fake.set_daily_caps(data.get("user"), data.get("app"))
    return Reply.json(200, OK)


def _seed_tweet(fake: FakeX, request: Request) -> Reply:
    data = _body(request)
    return Reply.json(200, {"data": fake.seed_tweet(data["user_id"], data["text"]).as_json()})


def _delete_tweet(fake: FakeX, request: Request) -> Reply:
    fake.delete_tweet(_body(request)["id"])
    return Reply.json(200, OK)


def _fail_processing(fake: FakeX, request: Request) -> Reply:
    fake.fail_media_processing_next(int(_body(request).get("times", 1)))
    return Reply.json(200, OK)


CONTROL_ROUTES: dict[tuple[str, str], Callable[[FakeX, Request], Reply]] = {
    ("GET", "/_fake/state"): _state,
    ("POST", "/_fake/reset"): _reset,
    ("POST", "/_fake/clock/advance"): _advance,
    ("POST", "/_fake/clients"): _client,
    ("POST", "/_fake/users"): _user,
    ("POST", "/_fake/browser-user"): _browser_user,
    ("POST", "/_fake/consent"): _consent,
    ("POST", "/_fake/faults"): _fault,
    ("POST", "/_fake/release"): _release,
    ("POST", "/_fake/latency"): _latency,
    ("POST", "/_fake/rate-limits"): _rate_limit,
    ("POST", "/_fake/daily-caps"): _daily_caps,
    ("POST", "/_fake/tweets"): _seed_tweet,
    ("POST", "/_fake/tweets/delete"): _delete_tweet,
    ("POST", "/_fake/media/fail-processing"): _fail_processing,
}
