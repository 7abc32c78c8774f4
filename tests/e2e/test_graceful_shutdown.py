"""SIGTERM stops the real processes cleanly: `openpost serve` answers every request it has
already taken (none dropped) and exits 0; `openpost worker` exits 0.

To be sure the requests are inside the server when the signal lands, the test holds a
lock on the API keys table: every request blocks in its key lookup, visibly so in
PostgreSQL's `pg_stat_activity`. Each request has a key of its own (requests with one key
share one lookup). The signal is sent, then the lock released."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy.engine import make_url

from adapters.crypto import generate_key
from application.api_keys import CreateApiKey
from entrypoints.composition import build_container
from entrypoints.settings import load_settings
from tests.support.postgres import admin_connection
from tests.support.serve import OPENPOST, base_env, demo_key, serve

IN_FLIGHT = 16  # within the pool (10 + 10 overflow), so each holds a blocked backend


async def blocked_backends(admin: object, database: str, want: int) -> int:
    """Waits (polling another process's state) until `want` backends wait on a lock."""
    count = 0
    for _ in range(1000):
        count = await admin.fetchval(  # type: ignore[attr-defined]
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = $1 AND wait_event_type = 'Lock'",
            database,
        )
        if count >= want:
            return int(count)
        await asyncio.sleep(0.01)
    return int(count)


async def keys_of_the_demo_workspace(server: Any, env: dict[str, str], count: int) -> list[str]:
    """The demo key and `count - 1` more for its workspace, made as `openpost key create`
    makes them."""
    line = next(line for line in server.stdout_lines if line.startswith("demo "))
    workspace_id = UUID(dict(part.split("=", 1) for part in line.split()[1:])["workspace_id"])
    container = build_container(load_settings(env, dotenv=None))
    try:
        made = [demo_key(server)]
        for _ in range(count - 1):
            async with container() as scope:
                issued = await (await scope.get(CreateApiKey)).execute(workspace_id)
            made.append(issued.plaintext)
        return made
    finally:
        await container.close()


@pytest.mark.postgres
async def test_serve_answers_every_request_in_flight_at_sigterm(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    name = make_url(fresh_postgres_url).database or ""
    env = base_env(
        OPENPOST_DATABASE_URL=fresh_postgres_url,
        OPENPOST_SECRET_KEY=generate_key(),
        OPENPOST_RATE_LIMIT="0",
    )
    with serve(tmp_path, env) as server:
        keys = await keys_of_the_demo_workspace(server, env, IN_FLIGHT)
        auth = [{"Authorization": f"Bearer {key}"} for key in keys]
        async with (
            httpx.AsyncClient(base_url=server.url, timeout=30) as client,
            admin_connection(name) as locker,
            admin_connection() as admin,
        ):
            lock = locker.transaction()
            await lock.start()
            await locker.execute("LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE")
            requests = [
                asyncio.create_task(client.get("/v1/integrations", headers=auth[i]))
                for i in range(IN_FLIGHT - 4)
            ] + [
                asyncio.create_task(
                    client.post(
                        "/v1/posts",
                        json={"content": f"draft {i}", "integrations": []},
                        headers={**auth[-1 - i], "Idempotency-Key": f"shutdown-{i}"},
                    )
                )
                for i in range(4)
            ]
            assert await blocked_backends(admin, name, IN_FLIGHT) == IN_FLIGHT

            server.process.send_signal(signal.SIGTERM)
            await listening_stopped(server.url)
            await lock.rollback()
            answers = await asyncio.gather(*requests)

        exit_code = await asyncio.to_thread(server.process.wait, 30)

    statuses = sorted(a.status_code for a in answers)
    assert len(answers) == IN_FLIGHT
    assert all(s < 500 for s in statuses), [a.text for a in answers if a.status_code >= 500]
    assert statuses.count(200) == IN_FLIGHT - 4
    assert exit_code == 0


async def listening_stopped(url: str) -> None:
    """The server has begun its shutdown once it no longer accepts connections."""
    async with httpx.AsyncClient(timeout=1) as probe:
        for _ in range(500):
            try:
                await probe.get(url + "/healthz")
            except httpx.TransportError:
                return
            await asyncio.sleep(0.01)
    raise AssertionError("the server kept accepting connections after SIGTERM")


def test_worker_exits_0_on_sigterm(tmp_path: Path) -> None:
    env = base_env(OPENPOST_LOG_LEVEL="INFO")
    process = subprocess.Popen(
        [str(OPENPOST), "worker"], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stderr is not None
        deadline = time.monotonic() + 30
        for line in process.stderr:
            if "publisher started" in line or time.monotonic() > deadline:
                break
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert "publisher stopped" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
