"""X under concurrency, on the real databases.

Token keeping across processes: two OS processes, each with its own container and engine,
ask for usable credentials of the same near-expiry X integration at the same moment. X's
refresh tokens are single-use, so exactly one refresh may reach X; the other process must
wait for the row and use what the first one stored.

Two callbacks for the same new account at once end with one integration."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import httpx
import pytest
from dishka import AsyncContainer
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import SystemClock
from adapters.crypto import generate_key
from adapters.ids import Uuid7Generator
from adapters.persistence.sqlalchemy.migrate import upgrade
from adapters.platforms.directory import StaticPlatformDirectory
from adapters.platforms.simulated import SimulatedTwitterGateway
from application.complete_twitter_connect import CompleteTwitterConnect, TwitterCallback
from application.ports.platform_directory import PlatformDirectory
from application.ports.unit_of_work import UnitOfWorkFactory
from application.start_connect import ConnectConfig, OAuthConnect, StartConnect, code_challenge
from application.workspaces import CreateWorkspace
from domain.integration import Integration, IntegrationStatus
from domain.platform import Platform
from domain.workspace import WorkspaceMode
from entrypoints.composition import build_container
from entrypoints.settings import load_settings
from tests.fakes.x import DEFAULT_CLIENT, FakeX
from tests.support.x import authorization_code, pkce

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 2


@pytest.fixture
def env(database_url: str, fake_x: FakeX) -> dict[str, str]:
    return {
        "OPENPOST_DATABASE_URL": database_url,
        "OPENPOST_SECRET_KEY": generate_key(),
        "OPENPOST_TWITTER_CLIENT_ID": DEFAULT_CLIENT.client_id,
        "OPENPOST_TWITTER_CLIENT_SECRET": DEFAULT_CLIENT.secret or "",
        "OPENPOST_TWITTER_API_URL": fake_x.url(""),
        "OPENPOST_REFRESH_MARGIN_S": "300",
    }


@pytest.fixture
async def container(env: dict[str, str]) -> AsyncIterator[AsyncContainer]:
    container = build_container(load_settings(env, dotenv=None))
    await upgrade(await container.get(AsyncEngine))
    try:
        yield container
    finally:
        await container.close()


async def near_expiry_integration(container: AsyncContainer, fake_x: FakeX) -> UUID:
    """A live X integration whose access token (real, from the fake) expires in a minute."""
    async with container() as scope:
        ws = await (await scope.get(CreateWorkspace)).execute("acme", WorkspaceMode.LIVE)
    gateway = (await container.get(PlatformDirectory)).twitter(WorkspaceMode.LIVE)
    verifier, challenge = pkce()
    async with httpx.AsyncClient(follow_redirects=False, timeout=5) as browser:
        code = await authorization_code(browser, fake_x, challenge)
    credentials = await gateway.exchange_code(code, verifier, DEFAULT_CLIENT.redirect_uris[0])
    profile = await gateway.profile(credentials)
    now = datetime.now(UTC)
    integration = Integration.connect(
        id=uuid4(),
        workspace_id=ws.workspace.id,
        platform=Platform.TWITTER,
        profile=profile,
        now=now,
    )
    async with (await container.get(UnitOfWorkFactory))() as uow:
        await uow.integrations.add(integration)
        await uow.credentials.put(
            integration.id,
            replace(
                credentials,
                expires_at=now + timedelta(minutes=1),
                extra={"user_id": profile.platform_user_id, "username": profile.username},
            ),
        )
        await uow.commit()
    return integration.id


def ask_at_once(env: dict[str, str], integration_id: UUID) -> list[str]:
    start_at = time.time() + 4  # after every process has imported and connected
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("OPENPOST_")} | env
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.support.refresh_once", str(integration_id), str(start_at)],
            cwd=ROOT, env=inherited, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(PROCESSES)
    ]
    answers = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        answers.append(out.strip())
    return answers


async def test_two_processes_refreshing_at_once_make_exactly_one_refresh(
    container: AsyncContainer, env: dict[str, str], fake_x: FakeX
) -> None:
    integration_id = await near_expiry_integration(container, fake_x)
    fake_x.delay_next("token", 0.5)  # the first refresh holds the row while the other asks

    answers = ask_at_once(env, integration_id)

    assert fake_x.token_refreshes == 1
    assert fake_x.requests["token"] == 2  # the code exchange, then one refresh: no attempt lost
    assert len(set(answers)) == 1 and answers[0].startswith("token="), answers
    async with (await container.get(UnitOfWorkFactory))() as uow:
        integration = await uow.integrations.get_any(integration_id)
        stored = await uow.credentials.get(integration_id)
    assert integration is not None and integration.status is IntegrationStatus.ACTIVE
    assert stored is not None and stored.version == 2
    assert stored.credentials.expires_at is not None
    assert stored.credentials.expires_at > datetime.now(UTC) + timedelta(hours=1)


async def test_two_callbacks_for_a_new_account_at_once_make_one_integration(
    container: AsyncContainer,
) -> None:
    """Both pass "no such account yet"; the unique constraint lets one insert, and the
    other reactivates what the first created."""
    factory = await container.get(UnitOfWorkFactory)
    clock = SystemClock()
    x = SimulatedTwitterGateway(clock)  # as the live X: no network, instant answers
    directory = StaticPlatformDirectory(live={Platform.TWITTER: x}, simulated={})
    async with container() as scope:
        ws = await (await scope.get(CreateWorkspace)).execute("acme", WorkspaceMode.LIVE)
    config = ConnectConfig("http://openpost.test", "client", "http://x.test/authorize")
    callbacks = []
    for _ in range(2):
        started = await StartConnect(factory(), clock, config).execute(
            ws.workspace.id, WorkspaceMode.LIVE, Platform.TWITTER
        )
        assert isinstance(started, OAuthConnect)
        code = x.issue_code(code_challenge(started.code_verifier))
        callbacks.append(TwitterCallback(started.state, code))

    done = await asyncio.gather(
        *(
            CompleteTwitterConnect(factory(), clock, Uuid7Generator(), directory).execute(c)
            for c in callbacks
        )
    )

    assert done[0].integration.id == done[1].integration.id
    async with factory() as uow:
        listed = await uow.integrations.list(
            ws.workspace.id, [IntegrationStatus.ACTIVE], limit=10
        )
    assert len(listed) == 1
