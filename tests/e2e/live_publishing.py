"""A live workspace whose accounts live on the fake X and on the local Bluesky PDS, connected
through the API as a person would, and a publisher driven pass by pass under a manual clock.

Two clocks are in play: ours (the app's `ManualClock`) and the fake X's. `move_to` moves both
by the same amount, as real time would; a test that wants them apart moves one alone.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import ManualClock
from adapters.persistence.sqlalchemy.migrate import upgrade
from application.ports.credentials import Credentials
from application.ports.unit_of_work import UnitOfWork
from domain.workspace import WorkspaceMode
from entrypoints.composition import build_container
from entrypoints.http.app import create_app
from entrypoints.worker import Publisher, build_publisher
from tests.e2e.conftest import START, Api, ClockOverride, settings_for
from tests.fakes.x import DEFAULT_CLIENT, FakeX
from tests.peers.bluesky_pds import LocalPds, PdsAccount
from tests.support.asgi import client_for
from tests.support.x import CALLBACK_PATH, consent

PUBLIC_URL = "http://testserver"
POST_COLLECTION = "app.bsky.feed.post"
MAX_PASSES = 10


@dataclass
class BlueskyAccount:
    """An account on the local PDS and the app password it connected with."""

    account: PdsAccount
    app_password: str
    app_password_name: str

    @property
    def handle(self) -> str:
        return self.account.handle

    @property
    def did(self) -> str:
        return self.account.did


@dataclass
class Live:
    api: Api
    publisher: Publisher
    headers: dict[str, str]
    fake_x: FakeX
    pds: LocalPds
    browser: httpx.AsyncClient

    # ---- time ------------------------------------------------------------------------

    def move_to(self, moment: datetime) -> None:
        """Our clock to `moment`, and the fake X's forward by as much."""
        delta = (moment - self.api.clock.now()).total_seconds()
        assert delta >= 0, "time only moves forward"
        self.api.clock.set(moment)
        self.fake_x.advance(delta)

    # ---- accounts --------------------------------------------------------------------

    async def connect_x(self) -> dict[str, Any]:
        """The X connect flow end to end: our authorize URL, consent at the fake, our
        callback. Returns the integration."""
        started = await self.api.client.get(
            "/v1/integrations/twitter/connect", headers=self.headers
        )
        assert started.status_code == 200, started.text
        location = await consent(self.browser, started.json()["url"])
        assert location.startswith(PUBLIC_URL + CALLBACK_PATH + "?"), location
        parts = urlsplit(location)
        page = await self.api.client.get(f"{parts.path}?{parts.query}")
        assert page.status_code == 200, page.text
        [integration] = [i for i in await self.integrations() if i["platform"] == "twitter"]
        return integration

    def bluesky_account(self) -> BlueskyAccount:
        account = self.pds.create_account(display_name="Publisher Test")
        name = f"openpost-{secrets.token_hex(3)}"
        return BlueskyAccount(account, self.pds.create_app_password(account, name), name)

    async def connect_bluesky(self, account: BlueskyAccount) -> dict[str, Any]:
        answer = await self.api.client.post(
            "/v1/integrations/bluesky/connect",
            json={"identifier": account.handle, "password": account.app_password},
            headers=self.headers,
        )
        assert answer.status_code in (200, 201), answer.text
        return dict(answer.json())

    async def integrations(self, status: str | None = None) -> list[dict[str, Any]]:
        query = f"?status={status}" if status else ""
        answer = await self.api.client.get(f"/v1/integrations{query}", headers=self.headers)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["data"])

    async def integration(self, integration_id: str) -> dict[str, Any]:
        answer = await self.api.client.get(
            f"/v1/integrations/{integration_id}", headers=self.headers
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def disconnect(self, integration_id: str) -> None:
        answer = await self.api.client.delete(
            f"/v1/integrations/{integration_id}", headers=self.headers
        )
        assert answer.status_code == 200 and answer.json()["status"] == "disconnected"

    async def stored_credentials(self, integration_id: str) -> Credentials | None:
        async with self.api.container() as scope:
            uow = await scope.get(UnitOfWork)
            async with uow:
                stored = await uow.credentials.get(UUID(integration_id))
        return stored.credentials if stored else None

    # ---- posts -----------------------------------------------------------------------

    async def schedule(
        self, content: str, integrations: list[str], schedule_at: str
    ) -> dict[str, Any]:
        answer = await self.api.client.post(
            "/v1/posts",
            json={"content": content, "integrations": integrations, "schedule_at": schedule_at},
            headers=self.headers,
        )
        assert answer.status_code == 201, answer.text
        post = dict(answer.json())
        assert post["status"] == "scheduled"
        return post

    async def post(self, post_id: str) -> dict[str, Any]:
        answer = await self.api.client.get(f"/v1/posts/{post_id}", headers=self.headers)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def run_publisher(self) -> int:
        """Publisher passes (each waits for its publishes) until one finds nothing due at
        this moment. Returns how many targets were claimed in all."""
        claimed = 0
        for _ in range(MAX_PASSES):
            started = await self.publisher.run_once()
            await self.publisher.drain(timeout_s=30)
            if started == 0:
                return claimed
            claimed += started
        raise AssertionError(f"still claiming targets after {MAX_PASSES} passes")

    # ---- what the platforms hold -----------------------------------------------------

    def bluesky_posts(self, account: BlueskyAccount) -> list[dict[str, Any]]:
        return self.pds.list_records(account.did, POST_COLLECTION)


def target_on(post: dict[str, Any], integration_id: str) -> dict[str, Any]:
    [target] = [t for t in post["post_targets"] if t["integration_id"] == integration_id]
    return dict(target)


@asynccontextmanager
async def live_world(
    database_url: str, fake_x: FakeX, pds: LocalPds, **overrides: str
) -> AsyncIterator[Live]:
    """The app in-process with X at the fake and Bluesky at the local PDS, a live workspace,
    and a publisher built as `openpost worker` builds it. `overrides` are more OPENPOST_*
    settings, or other values for these."""
    fake_x.register_client(
        DEFAULT_CLIENT.client_id, DEFAULT_CLIENT.secret, [PUBLIC_URL + CALLBACK_PATH]
    )
    clock = ManualClock(START)
    settings = settings_for(
        database_url,
        **{
            "OPENPOST_PUBLIC_URL": PUBLIC_URL,
            "OPENPOST_TWITTER_CLIENT_ID": DEFAULT_CLIENT.client_id,
            "OPENPOST_TWITTER_CLIENT_SECRET": DEFAULT_CLIENT.secret or "",
            "OPENPOST_TWITTER_AUTHORIZE_URL": fake_x.url("/i/oauth2/authorize"),
            "OPENPOST_TWITTER_API_URL": fake_x.url(""),
            "OPENPOST_BLUESKY_SERVICE_URL": pds.url,
            **overrides,
        },
    )
    container = build_container(settings, ClockOverride(clock))
    await upgrade(await container.get(AsyncEngine))
    try:
        async with (
            client_for(create_app(settings, container), base_url=PUBLIC_URL) as client,
            httpx.AsyncClient(follow_redirects=False, timeout=5) as browser,
        ):
            api = Api(client=client, container=container, clock=clock)
            workspace = await api.workspace("live", mode=WorkspaceMode.LIVE)
            publisher = await build_publisher(container, settings)
            try:
                yield Live(api, publisher, api.auth(workspace), fake_x, pds, browser)
            finally:
                await publisher.drain(timeout_s=5)
    finally:
        await container.close()
