"""A stateful property test of the HTTP API: several test workspaces, random sequences of
connect, disconnect, get, list, next-slot, schedule and cancel, each answer checked against
a small model; and, after every step, no workspace sees anything of another's.

The app runs in-process on SQLite with a clock the machine moves; nothing publishes (no
worker), so scheduled posts stay scheduled and keep their slots busy."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import ManualClock
from adapters.persistence.sqlalchemy.migrate import upgrade
from application.workspaces import CreateWorkspace
from domain.workspace import WorkspaceMode
from entrypoints.composition import build_container
from entrypoints.http.app import create_app
from tests.e2e.conftest import START, ClockOverride, settings_for
from tests.support.asgi import client_for

WORKSPACES = 3
HANDLES = ["alice.test", "bob.test", "carol.test"]
APP_PASSWORD = "test-test-test-test"
HOUR = timedelta(hours=1)
# Who makes a call about a resource: mostly its owner, sometimes any workspace (a stranger).
CALLER = st.one_of(st.just("owner"), st.just("owner"), st.integers(0, WORKSPACES - 1))


def parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def candidates(now: datetime) -> list[datetime]:
    """Tops of the hour from the first at least a minute ahead to now + 7 days inclusive."""
    first = (now + timedelta(minutes=1)).replace(minute=0, second=0, microsecond=0)
    if first < now + timedelta(minutes=1):
        first += HOUR
    out, t = [], first
    while t <= now + timedelta(days=7):
        out.append(t)
        t += HOUR
    return out


def first_free(now: datetime, busy: list[datetime]) -> datetime | None:
    """The slot rule, written the slow and obvious way."""
    for t in candidates(now):
        if all(abs(p - t) >= HOUR for p in busy):
            return t
    return None


@dataclass
class ModelIntegration:
    id: str
    workspace: int
    platform: str
    status: str = "active"
    handle: str | None = None


@dataclass
class ModelPost:
    id: str
    workspace: int
    integrations: list[str]
    scheduled_at: datetime | None
    status: str


@dataclass
class Model:
    integrations: dict[str, ModelIntegration] = field(default_factory=dict)
    posts: dict[str, ModelPost] = field(default_factory=dict)

    def busy(self, integration_id: str) -> list[datetime]:
        return [
            p.scheduled_at
            for p in self.posts.values()
            if p.status == "scheduled" and p.scheduled_at and integration_id in p.integrations
        ]


class ApiMachine(RuleBasedStateMachine):
    integrations = Bundle("integrations")
    posts = Bundle("posts")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.tmp = tempfile.TemporaryDirectory()
        self.clock = ManualClock(START)
        self.model = Model()
        self.keys: list[dict[str, str]] = []
        self.stack = AsyncExitStack()
        self.run(self._start())

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    async def _start(self) -> None:
        url = f"sqlite+aiosqlite:///{Path(self.tmp.name) / 'api.db'}"
        app_settings = settings_for(url, OPENPOST_RATE_LIMIT="0")
        self.container = build_container(app_settings, ClockOverride(self.clock))
        self.stack.push_async_callback(self.container.close)
        await upgrade(await self.container.get(AsyncEngine))
        self.client: httpx.AsyncClient = await self.stack.enter_async_context(
            client_for(create_app(app_settings, self.container))
        )
        for n in range(WORKSPACES):
            async with self.container() as scope:
                created = await (await scope.get(CreateWorkspace)).execute(
                    f"ws{n}", WorkspaceMode.TEST
                )
            self.keys.append({"Authorization": f"Bearer {created.api_key.plaintext}"})
            for integration in created.integrations:
                found = ModelIntegration(str(integration.id), n, integration.platform.value)
                self.model.integrations[found.id] = found

    def teardown(self) -> None:
        try:
            self.run(self.stack.aclose())
        finally:
            self.loop.close()
            self.tmp.cleanup()

    def caller(self, who: str | int, owner: int) -> int:
        return owner if who == "owner" else int(who)

    def call(self, ws: int, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.run(self.client.request(method, path, headers=self.keys[ws], **kwargs))

    # --- integrations -----------------------------------------------------------------

    @rule(target=integrations, ws=st.integers(0, WORKSPACES - 1), pick=st.integers(0, 9))
    def seeded(self, ws: int, pick: int) -> str:
        """Brings the integrations a workspace already has into play as bundle values."""
        owned = [i.id for i in self.model.integrations.values() if i.workspace == ws]
        return owned[pick % len(owned)]

    @rule(target=integrations, ws=st.integers(0, WORKSPACES - 1), handle=st.sampled_from(HANDLES))
    def connect_bluesky(self, ws: int, handle: str) -> str:
        answer = self.call(
            ws,
            "POST",
            "/v1/integrations/bluesky/connect",
            json={"identifier": handle, "password": APP_PASSWORD},
        )
        known = next(
            (
                i
                for i in self.model.integrations.values()
                if i.workspace == ws and i.handle == handle
            ),
            None,
        )
        body = answer.json()
        if known is None:
            assert answer.status_code == 201, body
            known = ModelIntegration(body["id"], ws, "bluesky", handle=handle)
            assert known.id not in self.model.integrations
            self.model.integrations[known.id] = known
        else:
            assert answer.status_code == 200 and body["id"] == known.id, body
            known.status = "active"
        assert body["status"] == "active" and body["platform"] == "bluesky"
        return known.id

    @rule(ws=st.integers(0, WORKSPACES - 1))
    def connect_twitter(self, ws: int) -> None:
        started = self.call(ws, "GET", "/v1/integrations/twitter/connect").json()
        consent = urlsplit(started["url"])
        back = self.run(self.client.get(f"{consent.path}?{consent.query}"))
        assert back.status_code == 302, back.text
        location = urlsplit(back.headers["location"])
        landed = self.run(self.client.get(f"{location.path}?{location.query}"))
        assert landed.status_code == 200, landed.text
        synthetic = next(
            i
            for i in self.model.integrations.values()
            if i.workspace == ws and i.platform == "twitter"
        )
        synthetic.status = "active"  # the synthetic account, reconnected with its id

    @rule(who=CALLER, target_id=integrations)
    def disconnect(self, who: str | int, target_id: str) -> None:
        ws = self.caller(who, self.model.integrations[target_id].workspace)
        answer = self.call(ws, "DELETE", f"/v1/integrations/{target_id}")
        known = self.model.integrations[target_id]
        if known.workspace != ws:
            assert answer.status_code == 404 and answer.json()["code"] == "not_found"
            return
        assert answer.status_code == 200
        assert answer.json()["status"] == "disconnected"
        known.status = "disconnected"

    @rule(who=CALLER, target_id=integrations)
    def get_integration(self, who: str | int, target_id: str) -> None:
        ws = self.caller(who, self.model.integrations[target_id].workspace)
        answer = self.call(ws, "GET", f"/v1/integrations/{target_id}")
        known = self.model.integrations[target_id]
        if known.workspace != ws:
            assert answer.status_code == 404
            return
        assert answer.status_code == 200
        assert answer.json()["status"] == known.status

    @rule(who=CALLER, target_id=integrations)
    def next_slot(self, who: str | int, target_id: str) -> None:
        ws = self.caller(who, self.model.integrations[target_id].workspace)
        answer = self.call(ws, "GET", f"/v1/integrations/{target_id}/next-slot")
        known = self.model.integrations[target_id]
        if known.workspace != ws:
            assert answer.status_code == 404
        elif known.status == "disconnected":
            assert answer.json()["code"] == "integration_disconnected"
        else:
            expected = first_free(self.clock.now(), self.model.busy(target_id))
            if expected is None:
                assert answer.json()["code"] == "no_slot_available"
            else:
                assert answer.status_code == 200, answer.text
                assert answer.json()["date"] == rfc3339(expected)
                assert answer.json()["integration_id"] == target_id

    # --- posts ------------------------------------------------------------------------

    @rule(
        target=posts,
        who=CALLER,
        chosen=st.lists(integrations, min_size=1, max_size=2, unique=True),
        when=st.one_of(
            st.none(),
            st.just("next_slot"),
            st.integers(2, 7 * 24).map(lambda hours: timedelta(hours=hours)),
        ),
    )
    def schedule(
        self, who: str | int, chosen: list[str], when: str | timedelta | None
    ) -> str | None:
        ws = self.caller(who, self.model.integrations[chosen[0]].workspace)
        now = self.clock.now()
        schedule_at = rfc3339(now + when) if isinstance(when, timedelta) else when
        answer = self.call(
            ws,
            "POST",
            "/v1/posts",
            json={"content": "hello", "integrations": chosen, "schedule_at": schedule_at},
        )
        body = answer.json()
        for index, target in enumerate(self.model.integrations[i] for i in chosen):
            # The first integration at fault, in the order given, is the one named.
            if target.workspace != ws:
                assert answer.status_code == 422, body
                assert body["code"] == "integration_not_found"
                assert body["details"]["field"] == f"integrations[{index}]"
                return None
            if target.status == "disconnected":
                assert answer.status_code == 409, body
                assert body["code"] == "integration_disconnected"
                assert body["details"]["field"] == f"integrations[{index}]"
                return None
        if when == "next_slot":
            busy = [p for i in chosen for p in self.model.busy(i)]
            expected = first_free(now, busy)
            if expected is None:
                assert body["code"] == "no_slot_available"
                return None
            assert body["scheduled_at"] == rfc3339(expected), body
        assert answer.status_code == 201, body
        assert body["status"] == ("draft" if when is None else "scheduled")
        scheduled = parse(body["scheduled_at"]) if body["scheduled_at"] else None
        self.model.posts[body["id"]] = ModelPost(body["id"], ws, chosen, scheduled, body["status"])
        return str(body["id"])

    @rule(who=CALLER, post_id=posts)
    def cancel(self, who: str | int, post_id: str | None) -> None:
        if post_id is None:
            return
        ws = self.caller(who, self.model.posts[post_id].workspace)
        answer = self.call(ws, "DELETE", f"/v1/posts/{post_id}")
        known = self.model.posts[post_id]
        if known.workspace != ws:
            assert answer.status_code == 404
        elif known.status in ("draft", "scheduled"):
            assert answer.status_code == 200 and answer.json()["status"] == "canceled"
            known.status = "canceled"
        else:
            assert answer.status_code == 409 and answer.json()["code"] == "post_not_cancelable"

    @rule(who=CALLER, post_id=posts)
    def get_post(self, who: str | int, post_id: str | None) -> None:
        if post_id is None:
            return
        ws = self.caller(who, self.model.posts[post_id].workspace)
        answer = self.call(ws, "GET", f"/v1/posts/{post_id}")
        known = self.model.posts[post_id]
        if known.workspace != ws:
            assert answer.status_code == 404
        else:
            assert answer.json()["status"] == known.status

    @rule(ws=st.integers(0, WORKSPACES - 1))
    def unknown_ids_are_404(self, ws: int) -> None:
        missing = str(uuid.uuid4())
        for method, path in (
            ("GET", f"/v1/integrations/{missing}"),
            ("DELETE", f"/v1/integrations/{missing}"),
            ("GET", f"/v1/posts/{missing}"),
            ("DELETE", f"/v1/posts/{missing}"),
        ):
            assert self.call(ws, method, path).status_code == 404

    @rule(minutes=st.sampled_from([1, 29, 60, 61, 24 * 60]))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    # --- what every workspace sees ------------------------------------------------------

    @invariant()
    def each_workspace_sees_exactly_its_own(self) -> None:
        for ws in range(WORKSPACES):
            mine = {i.id: i for i in self.model.integrations.values() if i.workspace == ws}
            listed = self.call(ws, "GET", "/v1/integrations?limit=200").json()["data"]
            assert {i["id"] for i in listed} == {
                i for i, m in mine.items() if m.status != "disconnected"
            }
            gone = self.call(ws, "GET", "/v1/integrations?status=disconnected&limit=200")
            assert {i["id"] for i in gone.json()["data"]} == {
                i for i, m in mine.items() if m.status == "disconnected"
            }
            posts = self.call(ws, "GET", "/v1/posts?limit=200").json()["data"]
            assert {p["id"]: p["status"] for p in posts} == {
                p.id: p.status for p in self.model.posts.values() if p.workspace == ws
            }


ApiMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
TestApiStateMachine = ApiMachine.TestCase
