"""The dashboard in-process: signing in and out, the session's cookie and its end when the
key is revoked, CSRF, and each page's actions over the same use cases as the API."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import ManualClock
from adapters.persistence.sqlalchemy.migrate import upgrade
from application.api_keys import RevokeApiKey
from application.ports.unit_of_work import UnitOfWork
from application.workspaces import CreatedWorkspace
from domain.integration import StatusReason
from domain.platform import Platform
from entrypoints.composition import build_container
from entrypoints.http.app import create_app
from entrypoints.http.dashboard.posts import count
from tests.e2e.conftest import START, Api, ClockOverride, settings_for
from tests.support.asgi import client_for

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
async def dash(sqlite_url: str) -> AsyncIterator[Api]:
    """The app with no key cache, so a revoked key is refused at once (5 s in production)."""
    clock = ManualClock(START)
    settings = settings_for(sqlite_url, OPENPOST_API_KEY_CACHE_S="0")
    container = build_container(settings, ClockOverride(clock))
    await upgrade(await container.get(AsyncEngine))
    app = create_app(settings, container)
    try:
        async with client_for(app) as client:
            yield Api(client=client, container=container, clock=clock, app=app)
    finally:
        await container.close()


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, key: str) -> str:
    """Signs in; the session's CSRF token, as the first page shows it."""
    form = await client.get("/dashboard/sign-in")
    answer = await client.post(
        "/dashboard/sign-in", data={"csrf_token": csrf_of(form), "api_key": key}
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/dashboard/integrations"
    return csrf_of(await client.get("/dashboard/integrations"))


async def signed_in(dash: Api) -> tuple[CreatedWorkspace, str]:
    ws = await dash.workspace()
    _KEYS[id(dash)] = Api.auth(ws)
    return ws, await sign_in(dash.client, ws.api_key.plaintext)


async def test_pages_need_a_session(dash: Api) -> None:
    for path in (
        "/dashboard",
        "/dashboard/integrations",
        "/dashboard/posts",
        "/dashboard/posts/calendar",
    ):
        answer = await dash.client.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/dashboard/sign-in"


async def test_sign_in_sets_a_sealed_httponly_lax_cookie(dash: Api) -> None:
    ws = await dash.workspace()
    form = await dash.client.get("/dashboard/sign-in")
    assert form.status_code == 200
    policy = form.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert form.headers["x-frame-options"] == "DENY"
    answer = await dash.client.post(
        "/dashboard/sign-in", data={"csrf_token": csrf_of(form), "api_key": ws.api_key.plaintext}
    )
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith("openpost_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/dashboard" in cookie
    assert "Secure" not in cookie  # plain http here
    assert ws.api_key.plaintext not in cookie  # sealed, not readable


async def test_the_cookie_is_secure_under_https(sqlite_url: str) -> None:
    settings = settings_for(sqlite_url, OPENPOST_PUBLIC_URL="https://openpost.example.com")
    container = build_container(settings)
    await upgrade(await container.get(AsyncEngine))
    app = create_app(settings, container)
    try:
        async with client_for(app, base_url="https://testserver") as client:
            api = Api(client=client, container=container, clock=ManualClock(START))
            ws = await api.workspace()
            form = await client.get("/dashboard/sign-in")
            answer = await client.post(
                "/dashboard/sign-in",
                data={"csrf_token": csrf_of(form), "api_key": ws.api_key.plaintext},
            )
            cookie = next(
                c
                for c in answer.headers.get_list("set-cookie")
                if c.startswith("openpost_session=")
            )
            assert "Secure" in cookie
    finally:
        await container.close()


async def test_a_wrong_key_is_refused_on_the_form(dash: Api) -> None:
    form = await dash.client.get("/dashboard/sign-in")
    answer = await dash.client.post(
        "/dashboard/sign-in", data={"csrf_token": csrf_of(form), "api_key": "op_test_nope"}
    )
    assert answer.status_code == 401
    assert "unknown or revoked" in answer.text
    assert "openpost_session" not in answer.headers.get("set-cookie", "")


async def test_a_form_without_its_token_is_refused_with_the_envelope(dash: Api) -> None:
    ws = await dash.workspace()
    await dash.client.get("/dashboard/sign-in")
    answer = await dash.client.post(
        "/dashboard/sign-in", data={"csrf_token": "forged", "api_key": ws.api_key.plaintext}
    )
    assert answer.status_code == 403
    assert answer.json()["code"] == "csrf_failed"
    _, csrf = await signed_in(dash)
    for path, data in (
        ("/dashboard/integrations/connect/twitter", {}),
        ("/dashboard/integrations/connect/bluesky", {"identifier": "a", "password": "b"}),
        ("/dashboard/posts", {"content": "hi"}),
        ("/dashboard/sign-out", {}),
    ):
        refused = await dash.client.post(path, data={**data, "csrf_token": csrf + "x"})
        assert refused.status_code == 403, path
        assert refused.json()["code"] == "csrf_failed"
        assert refused.json()["request_id"].startswith("req_")


async def test_revoking_the_key_ends_the_session(dash: Api) -> None:
    ws, _ = await signed_in(dash)
    assert (await dash.client.get("/dashboard/posts")).status_code == 200
    async with dash.container() as scope:
        await (await scope.get(RevokeApiKey)).execute(ws.api_key.plaintext)
    answer = await dash.client.get("/dashboard/posts")
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard/sign-in"


async def test_sign_out_forgets_the_session(dash: Api) -> None:
    _, csrf = await signed_in(dash)
    answer = await dash.client.post("/dashboard/sign-out", data={"csrf_token": csrf})
    assert answer.status_code == 303
    assert 'openpost_session=""' in answer.headers["set-cookie"]
    assert (await dash.client.get("/dashboard/integrations")).status_code == 303


async def test_a_forged_cookie_is_no_session(dash: Api) -> None:
    dash.client.cookies.set("openpost_session", "gAAAAAforged", path="/dashboard")
    assert (await dash.client.get("/dashboard/posts")).status_code == 303


async def test_connect_x_goes_to_the_consent_screen_and_back_to_the_dashboard(dash: Api) -> None:
    _, csrf = await signed_in(dash)
    listing = await dash.client.get("/dashboard/integrations")
    twitter = re.search(
        r'href="/dashboard/integrations/([^/"]+)/disconnect">Disconnect @openpost_demo',
        listing.text,
    )
    assert twitter is not None
    started = await dash.client.post(
        "/dashboard/integrations/connect/twitter", data={"csrf_token": csrf}
    )
    assert started.status_code == 303
    consent = started.headers["location"]
    assert "/api/platforms/twitter/simulated-authorize" in consent
    approved = await dash.client.get(consent.removeprefix("http://127.0.0.1:8000"))
    assert approved.status_code == 302
    back = await dash.client.get(approved.headers["location"].removeprefix("http://127.0.0.1:8000"))
    assert back.status_code == 303
    assert back.headers["location"].startswith("/dashboard/integrations?integration_id=")
    page = await dash.client.get(back.headers["location"])
    assert "The account is connected." in page.text


async def test_connect_bluesky_then_disconnect_it_after_confirming(dash: Api) -> None:
    _, csrf = await signed_in(dash)
    wrong = await dash.client.post(
        "/dashboard/integrations/connect/bluesky",
        data={"csrf_token": csrf, "identifier": "new.bsky.social", "password": "wrong"},
    )
    assert wrong.status_code in (401, 422) and 'role="alert"' in wrong.text
    done = await dash.client.post(
        "/dashboard/integrations/connect/bluesky",
        data={
            "csrf_token": csrf,
            "identifier": "new.bsky.social",
            "password": "test-test-test-test",
        },
    )
    assert done.status_code == 303
    page = await dash.client.get(done.headers["location"])
    assert "@new.bsky.social" in page.text
    link = re.search(
        r'href="(/dashboard/integrations/[^"]+/disconnect)">Disconnect @new.bsky.social', page.text
    )
    assert link is not None
    confirm = await dash.client.get(link.group(1))
    assert "Yes, disconnect @new.bsky.social" in confirm.text
    gone = await dash.client.post(link.group(1), data={"csrf_token": csrf})
    assert gone.status_code == 303
    after = await dash.client.get(gone.headers["location"])
    assert "The account is disconnected." in after.text
    assert "Reconnect @new.bsky.social" in after.text


async def test_schedule_list_and_cancel_posts(dash: Api) -> None:
    _, csrf = await signed_in(dash)
    page = await dash.client.get("/dashboard/posts")
    targets = re.findall(r'name="integrations" value="([^"]+)"', page.text)
    assert len(targets) == 2
    dash.client.cookies.set("openpost_tz", "Europe/Paris", path="/dashboard")
    at = (START + timedelta(hours=3)).astimezone().replace(tzinfo=None)
    paris = (START + timedelta(hours=3)).astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    created = await dash.client.post(
        "/dashboard/posts",
        data={
            "csrf_token": csrf,
            "content": "Hello from the dashboard",
            "integrations": targets,
            "when": "at",
            "at": paris.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert created.status_code == 303, created.text
    del at
    listed = await dash.client.get(created.headers["location"])
    assert "The post is scheduled." in listed.text
    assert f'datetime="{paris.replace(second=0).isoformat()}"' in listed.text
    post_id = re.search(r'data-post-id="([^"]+)" data-status="scheduled"', listed.text)
    assert post_id is not None
    calendar = await dash.client.get(f"/dashboard/posts/calendar?week={paris.date().isoformat()}")
    assert "Hello from the dashboard" in calendar.text and paris.strftime("%H:%M") in calendar.text
    canceled = await dash.client.post(
        f"/dashboard/posts/{post_id.group(1)}/cancel", data={"csrf_token": csrf}
    )
    assert canceled.status_code == 303
    assert 'data-status="canceled"' in (await dash.client.get("/dashboard/posts")).text
    again = await dash.client.post(
        f"/dashboard/posts/{post_id.group(1)}/cancel", data={"csrf_token": csrf}
    )
    assert again.status_code == 409 and 'role="alert"' in again.text


async def test_a_refused_post_shows_the_reason_and_keeps_the_text(dash: Api) -> None:
    _, csrf = await signed_in(dash)
    page = await dash.client.get("/dashboard/posts")
    targets = re.findall(r'name="integrations" value="([^"]+)"', page.text)
    answer = await dash.client.post(
        "/dashboard/posts",
        data={
            "csrf_token": csrf,
            "content": "x" * 300,
            "integrations": targets,
            "when": "next_slot",
        },
    )
    assert answer.status_code == 422
    assert 'role="alert"' in answer.text and "x" * 300 in answer.text
    # Without a script the counters still say why: the server counted the kept text.
    assert (
        'class="counter over" data-platform="twitter">X: <output name="twitter_count">300<'
        in answer.text
    )
    none = await dash.client.post(
        "/dashboard/posts", data={"csrf_token": csrf, "content": "hi", "when": "draft"}
    )
    assert none.status_code == 422 and "at least one account" in none.text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "👍🏽👨‍👩‍👧‍👦",
        "日本語のテキスト",
        "see https://example.com/a/very/long/path?q=1 now",
        "e\u0301" * 5,
    ],
)
async def test_the_counters_are_the_servers_own_counting(dash: Api, text: str) -> None:
    _, csrf = await signed_in(dash)
    answer = await dash.client.post(
        "/dashboard/posts/count", content=text.encode(), headers={"X-CSRF-Token": csrf}
    )
    assert answer.status_code == 200
    expected: dict[str, Any] = {
        f: getattr(count(text), f) for f in ("twitter", "bluesky", "twitter_max", "bluesky_max")
    }
    assert {k: answer.json()[k] for k in expected} == expected


async def test_the_counter_refuses_a_missing_token(dash: Api) -> None:
    await signed_in(dash)
    answer = await dash.client.post("/dashboard/posts/count", content=b"hi")
    assert answer.status_code == 403 and answer.json()["code"] == "csrf_failed"


async def test_assets_are_served_by_the_app_and_nothing_else(dash: Api) -> None:
    js = await dash.client.get("/dashboard/static/dashboard.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    css = await dash.client.get("/dashboard/static/dashboard.css")
    assert css.status_code == 200
    for name in ("../session.py", "nope.js", "%2e%2e%2fweb.py"):
        missing = await dash.client.get(f"/dashboard/static/{name}")
        assert missing.status_code == 404 and missing.json()["code"] == "route_not_found"


async def test_an_unknown_integration_or_post_is_no_500(dash: Api) -> None:
    _, csrf = await signed_in(dash)
    assert (
        await dash.client.get("/dashboard/integrations/not-an-id/disconnect")
    ).status_code == 303
    answer = await dash.client.post("/dashboard/posts/not-an-id/cancel", data={"csrf_token": csrf})
    assert answer.status_code == 404 and 'role="alert"' in answer.text
    answer = await dash.client.post(
        "/dashboard/integrations/01a23c16-cc03-775b-a085-d924dc2abf58/disconnect",
        data={"csrf_token": csrf},
    )
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"


def png_bytes() -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


async def test_a_post_with_a_picture_and_its_alt_text(dash: Api) -> None:
    _, csrf = await signed_in(dash)
    page = await dash.client.get("/dashboard/posts")
    targets = re.findall(r'name="integrations" value="([^"]+)"', page.text)
    created = await dash.client.post(
        "/dashboard/posts",
        data={
            "csrf_token": csrf,
            "content": "A red square",
            "integrations": targets,
            "when": "draft",
            "alt_text": "A small red square",
        },
        files={"media_file": ("red.png", png_bytes(), "image/png")},
    )
    assert created.status_code == 303, created.text
    listed = await dash.client.get("/dashboard/posts")
    assert "With 1 attached media." in listed.text
    media = await dash.client.get("/v1/media", headers=await _auth(dash))  # the API sees it too
    assert media.json()["data"][0]["alt_text"] == "A small red square"


async def _auth(dash: Api) -> dict[str, str]:
    return _KEYS[id(dash)]


_KEYS: dict[int, dict[str, str]] = {}


async def test_a_refused_picture_shows_the_reason(dash: Api) -> None:
    _, csrf = await signed_in(dash)
    page = await dash.client.get("/dashboard/posts")
    targets = re.findall(r'name="integrations" value="([^"]+)"', page.text)
    answer = await dash.client.post(
        "/dashboard/posts",
        data={
            "csrf_token": csrf,
            "content": "Not a picture",
            "integrations": targets,
            "when": "draft",
        },
        files={"media_file": ("notes.png", b"just text", "image/png")},
    )
    assert answer.status_code in (415, 422), answer.text
    assert 'role="alert"' in answer.text and "Not a picture" in answer.text


async def test_the_queue_editor_saves_shows_slots_and_removes(dash: Api) -> None:
    _, csrf = await signed_in(dash)
    listing = await dash.client.get("/dashboard/integrations")
    link = re.search(r'href="(/dashboard/integrations/[^"]+/queue)"', listing.text)
    assert link is not None
    empty = await dash.client.get(link.group(1))
    assert empty.status_code == 200 and "No posting schedule" in empty.text
    saved = await dash.client.post(
        link.group(1),
        data={
            "csrf_token": csrf,
            "action": "save",
            "timezone": "America/New_York",
            "mon": "09:00, 12:30",
            "fri": "17:00",
            "blocked_dates": "2026-12-25",
            "min_gap_minutes": "60",
            "horizon_days": "14",
        },
    )
    assert saved.status_code == 303, saved.text
    page = await dash.client.get(saved.headers["location"])
    assert "The posting schedule is saved." in page.text
    assert 'value="09:00, 12:30"' in page.text and 'value="2026-12-25"' in page.text
    assert page.text.count("<time ") == 5  # the next five free slots
    bad = await dash.client.post(
        link.group(1),
        data={"csrf_token": csrf, "action": "save", "timezone": "Mars/Olympus", "mon": "09:00"},
    )
    assert bad.status_code == 422 and 'role="alert"' in bad.text and "Mars/Olympus" in bad.text
    removed = await dash.client.post(link.group(1), data={"csrf_token": csrf, "action": "remove"})
    assert removed.status_code == 303
    assert (
        "The posting schedule is removed."
        in (await dash.client.get(removed.headers["location"])).text
    )


async def test_webhook_endpoints_deliveries_and_a_test_event(dash: Api) -> None:
    _, csrf = await signed_in(dash)
    empty = await dash.client.get("/dashboard/webhooks")
    assert "No endpoint yet." in empty.text
    refused = await dash.client.post(
        "/dashboard/webhooks", data={"csrf_token": csrf, "url": "not a url"}
    )
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    made = await dash.client.post(
        "/dashboard/webhooks",
        data={"csrf_token": csrf, "url": "https://example.com/hook", "events": ["post.published"]},
    )
    assert made.status_code == 200
    assert re.search(r'<code class="secret">whsec_[^<]+</code>', made.text)
    link = re.search(r'href="(/dashboard/webhooks/[^"]+)">https://example.com/hook', made.text)
    assert link is not None
    assert "whsec_" not in (await dash.client.get("/dashboard/webhooks")).text  # shown once
    tested = await dash.client.post(f"{link.group(1)}/test", data={"csrf_token": csrf})
    assert tested.status_code == 303
    page = await dash.client.get(tested.headers["location"])
    assert "A test event is queued" in page.text
    assert 'data-event="webhook.test"' in page.text and 'data-status="pending"' in page.text
    gone = await dash.client.post(f"{link.group(1)}/delete", data={"csrf_token": csrf})
    assert gone.status_code == 303
    assert "The endpoint is deleted." in (await dash.client.get(gone.headers["location"])).text


async def test_a_signed_in_person_counts_against_the_key_not_the_address(sqlite_url: str) -> None:
    """The address budget (3 a minute here) guards the sign-in form; once signed in, the
    pages count against the key's own limit (5 a minute here), as the API does."""
    settings = settings_for(
        sqlite_url,
        OPENPOST_UNAUTHENTICATED_RATE_LIMIT="3/minute",
        OPENPOST_RATE_LIMIT="5/minute",
    )
    container = build_container(settings, ClockOverride(ManualClock(START)))
    await upgrade(await container.get(AsyncEngine))
    app = create_app(settings, container)
    try:
        async with client_for(app) as client:
            api = Api(client=client, container=container, clock=ManualClock(START))
            ws = await api.workspace()
            await sign_in(client, ws.api_key.plaintext)  # 2 by address, then 1 by key
            for _ in range(4):
                assert (await client.get("/dashboard/posts")).status_code == 200
            over = await client.get("/dashboard/posts")
            assert over.status_code == 429 and over.json()["code"] == "rate_limited"
            client.cookies.clear()
            assert (await client.get("/dashboard/sign-in")).status_code == 200
            refused = await client.get("/dashboard/sign-in")
            assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    finally:
        await container.close()


async def test_assets_are_named_by_their_version(dash: Api) -> None:
    page = await dash.client.get("/dashboard/sign-in")
    found = re.search(r'href="(/dashboard/static/dashboard.css\?v=[0-9a-f]{12})"', page.text)
    assert found is not None
    css = await dash.client.get(found.group(1))
    assert css.status_code == 200 and "max-age=86400" in css.headers["cache-control"]


async def test_an_account_that_needs_refresh_says_why_and_reconnects(dash: Api) -> None:
    ws, csrf = await signed_in(dash)
    async with dash.container() as scope:
        uow = await scope.get(UnitOfWork)
        async with uow:
            demo_x = next(i for i in ws.integrations if i.platform is Platform.TWITTER)
            x = await uow.integrations.get(ws.workspace.id, demo_x.id)
            assert x is not None
            x.credentials_rejected(StatusReason.TOKEN_EXPIRED, START)
            await uow.integrations.save(x)
            await uow.commit()
    page = await dash.client.get("/dashboard/integrations")
    assert 'data-platform="twitter" data-status="needs_refresh"' in page.text
    assert "Its access expired: reconnect it." in page.text
    assert "Reconnect @openpost_demo" in page.text
    started = await dash.client.post(
        "/dashboard/integrations/connect/twitter", data={"csrf_token": csrf}
    )
    approved = await dash.client.get(
        started.headers["location"].removeprefix("http://127.0.0.1:8000")
    )
    back = await dash.client.get(approved.headers["location"].removeprefix("http://127.0.0.1:8000"))
    again = await dash.client.get(back.headers["location"])
    assert 'data-platform="twitter" data-status="active"' in again.text


@pytest.mark.parametrize(
    ("path", "body", "content_type"),
    [
        ("/dashboard/posts", b"--x\r\nbroken", "multipart/form-data; boundary=x"),
        ("/dashboard/posts", b"--x\r\nbroken", "multipart/form-data"),
        ("/dashboard/posts", b"\xff\xfe=\xff", "application/x-www-form-urlencoded"),
        ("/dashboard/posts", b'{"content": "hi"}', "application/json"),
        (
            "/dashboard/sign-in",
            b"api_key=%ff%fe&csrf_token=%00",
            "application/x-www-form-urlencoded",
        ),
        ("/dashboard/posts/count", b"\xff\xfe\xfd", "text/plain"),
        ("/dashboard/webhooks", b"url=%00&events=%ff", "application/x-www-form-urlencoded"),
    ],
)
async def test_hostile_form_bodies_are_refused_never_a_500(
    dash: Api, path: str, body: bytes, content_type: str
) -> None:
    _, csrf = await signed_in(dash)
    answer = await dash.client.post(
        path, content=body, headers={"Content-Type": content_type, "X-CSRF-Token": csrf}
    )
    assert answer.status_code < 500, answer.text


async def test_hostile_form_values_are_refused_on_the_page(dash: Api) -> None:
    _, csrf = await signed_in(dash)
    for data in (
        {"content": "hi", "integrations": ["not-an-id"], "when": "draft"},
        {
            "content": "hi",
            "integrations": ["01a23c16-cc03-775b-a085-d924dc2abf58"],
            "when": "draft",
        },
        {"content": "hi", "integrations": ["x"], "when": "at", "at": "yesterday"},
        {"content": "hi", "integrations": ["x"], "when": "at", "at": "2020-01-01T00:00"},
    ):
        answer = await dash.client.post("/dashboard/posts", data={**data, "csrf_token": csrf})
        assert 400 <= answer.status_code < 500 and 'role="alert"' in answer.text, data
    week = await dash.client.get("/dashboard/posts/calendar?week=not-a-date")
    assert week.status_code == 200
    dash.client.cookies.set("openpost_tz", "../../etc/passwd", path="/dashboard")
    assert (await dash.client.get("/dashboard/posts")).status_code == 200
    dash.client.cookies.set("openpost_tz", "Not/AZone", path="/dashboard")
    assert "Times are shown in UTC" in (await dash.client.get("/dashboard/posts")).text
