"""The outbox across processes: a process killed right after its commit still leaves its
event, exactly once, and `openpost worker` delivers it, signed, to a real receiver."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.crypto import generate_key
from adapters.persistence.sqlalchemy.migrate import upgrade
from adapters.persistence.sqlalchemy.tables import webhook_deliveries, webhook_events
from application.list_integrations import ListIntegrations, ListIntegrationsQuery
from application.webhooks.create_endpoint import CreateWebhookEndpoint
from application.workspaces import CreateWorkspace
from domain.workspace import WorkspaceMode
from entrypoints.composition import build_container
from entrypoints.settings import load_settings
from tests.support.serve import OPENPOST, base_env
from tests.support.webhook_receiver_process import ReceiverProcess

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[dict[str, str]]:
    env = {
        "OPENPOST_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'openpost.db'}",
        "OPENPOST_SECRET_KEY": generate_key(),
        "OPENPOST_WEBHOOK_ALLOW_HTTP": "true",
        "OPENPOST_WEBHOOK_ALLOW_PRIVATE": "true",
    }
    yield env


async def _setup(env: dict[str, str], receiver: ReceiverProcess, hook: str) -> dict[str, Any]:
    container = build_container(load_settings(env, dotenv=None))
    try:
        await upgrade(await container.get(AsyncEngine))
        async with container() as scope:
            created = await (await scope.get(CreateWorkspace)).execute("acme", WorkspaceMode.TEST)
        workspace_id = created.workspace.id
        async with container() as scope:
            made = await (await scope.get(CreateWebhookEndpoint)).execute(
                workspace_id, receiver.url(hook), ["integration.disconnected"], None
            )
        listing = await (await container.get(ListIntegrations)).execute(
            ListIntegrationsQuery(workspace_id)
        )
        return {
            "workspace_id": workspace_id,
            "integration_id": listing.items[0].id,
            "secret": made.secret,
            "engine": await container.get(AsyncEngine),
            "container": container,
        }
    except BaseException:
        await container.close()
        raise


async def _counts(world: dict[str, Any]) -> tuple[int, int]:
    async with world["engine"].connect() as conn:
        events = await conn.scalar(select(func.count()).select_from(webhook_events))
        deliveries = await conn.scalar(select(func.count()).select_from(webhook_deliveries))
    return int(events or 0), int(deliveries or 0)


async def test_killed_right_after_commit_the_event_is_kept_and_delivered(
    database: dict[str, str], receiver: ReceiverProcess
) -> None:
    hook = f"/ok/{uuid4().hex}"
    world = await _setup(database, receiver, hook)
    try:
        await receiver.verify_with(hook, world["secret"])
        killed = subprocess.run(
            [sys.executable, "-m", "tests.support.commit_then_die",
             database["OPENPOST_DATABASE_URL"], database["OPENPOST_SECRET_KEY"],
             str(world["workspace_id"]), str(world["integration_id"])],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert killed.returncode == -9, killed.stderr
        assert await _counts(world) == (1, 1)
        worker = subprocess.Popen(
            [str(OPENPOST), "worker"], cwd=ROOT, env=base_env(**database),
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            seen = await _arrivals(receiver, hook, 1)
        finally:
            worker.terminate()
            assert worker.wait(timeout=30) == 0
    finally:
        await world["container"].close()
    [arrival] = seen
    assert arrival["verified"] == [True]
    payload = json.loads(arrival["body"])
    assert payload["type"] == "integration.disconnected"
    assert payload["data"]["id"] == str(world["integration_id"])
    assert payload["data"]["status"] == "disconnected"


async def _arrivals(receiver: ReceiverProcess, hook: str, count: int) -> list[dict[str, Any]]:
    """What the receiver got on `hook`, once it has `count` requests (30 s at most)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        seen = await receiver.log(hook)
        if len(seen) >= count:
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"{hook} received {len(await receiver.log(hook))} of {count}")
