"""`kill -9` at each point of an idempotent POST, in a real server process: the retry with
the same key, in a new app on the same database, never makes a second post. Before the post is committed, the retry (once the key counts as abandoned: one
second here) makes the one post; after, it answers with the post the key created."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.crypto import generate_key
from adapters.persistence.sqlalchemy.migrate import upgrade
from application.workspaces import CreateWorkspace
from domain.workspace import WorkspaceMode
from entrypoints.composition import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import load_settings
from tests.support.asgi import client_for
from tests.support.postgres import temporary_database
from tests.support.serve import base_env, free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[2]
# Every point on SQLite; on PostgreSQL, a transaction cut open and a commit not answered.
POINTS = [
    *(pytest.param("sqlite", p, id=f"sqlite-{p}") for p in ("taken", "uncommitted", "created", "kept")),
    *(
        pytest.param("postgres", p, id=f"postgres-{p}", marks=pytest.mark.postgres)
        for p in ("uncommitted", "created")
    ),
]
BODY = {"content": "exactly once", "integrations": []}
TIMEOUT_S = 30.0


def start_crashing_server(
    env: dict[str, str], port: int, point: str, marker: Path
) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.e2e.idempotency_crash_process",
            env["OPENPOST_DATABASE_URL"],
            env["OPENPOST_SECRET_KEY"],
            str(port),
            point,
            str(marker),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.05)  # polling for readiness
    raise AssertionError("the server never became ready")


async def until_marked(marker: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not marker.exists():
        assert process.poll() is None, "the server exited before the point"
        assert time.monotonic() < deadline, "the request never reached the point"
        await asyncio.sleep(0.02)


@pytest.fixture
async def database_url(request: pytest.FixtureRequest, sqlite_url: str) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield sqlite_url
    else:
        async with temporary_database() as url:
            yield url


@pytest.mark.parametrize(("database_url", "point"), POINTS, indirect=["database_url"])
async def test_a_post_killed_at_any_point_is_made_once(
    database_url: str, tmp_path: Path, point: str
) -> None:
    env = base_env(
        OPENPOST_DATABASE_URL=database_url,
        OPENPOST_SECRET_KEY=generate_key(),
        OPENPOST_RATE_LIMIT="0",
        OPENPOST_IDEMPOTENCY_ABANDONED_AFTER_S="1",
    )
    settings = load_settings(env, dotenv=None)
    container = build_container(settings)
    try:
        await upgrade(await container.get(AsyncEngine))
        async with container() as scope:
            ws = await (await scope.get(CreateWorkspace)).execute("crash", WorkspaceMode.TEST)
        key = ws.api_key.plaintext
        headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": f"crash-{point}"}
        body = {**BODY, "integrations": [str(ws.integrations[0].id)]}

        port, marker = free_port(), tmp_path / "marker"
        crashing = start_crashing_server(env, port, point, marker)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as first:
                request = asyncio.create_task(first.post("/v1/posts", json=body, headers=headers))
                await until_marked(marker, crashing)
                crashing.kill()  # SIGKILL: no cleanup of any kind
                crashing.wait(timeout=10)
                try:
                    first_answer: httpx.Response | None = await request
                except httpx.TransportError:
                    first_answer = None
            # Past `created` the answer has been sent; before it, the client never hears.
            assert (first_answer is None) == (point in ("taken", "uncommitted"))
        finally:
            if crashing.poll() is None:
                crashing.kill()
            crashing.wait(timeout=10)

        # The retry reaches another process: here, a new app on the same database.
        async with client_for(create_app(settings, container)) as retry:
            answer = await retry.post("/v1/posts", json=body, headers=headers)
            deadline = time.monotonic() + TIMEOUT_S
            while answer.status_code == 409 and time.monotonic() < deadline:
                assert answer.json()["code"] == "idempotency_key_in_use"
                assert point in ("taken", "uncommitted"), "a created post is never in use"
                await asyncio.sleep(0.1)  # polling until the key counts as abandoned
                answer = await retry.post("/v1/posts", json=body, headers=headers)
            assert answer.status_code == 201, answer.text
            again = await retry.post("/v1/posts", json=body, headers=headers)
            listed = (await retry.get("/v1/posts", headers=headers)).json()["data"]
    finally:
        await container.close()

    assert [p["id"] for p in listed] == [answer.json()["id"]]
    assert listed[0]["content"] == "exactly once"
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == answer.json()["id"]
    if first_answer is not None:
        assert first_answer.json()["id"] == answer.json()["id"]
        assert answer.headers["idempotent-replayed"] == "true"
