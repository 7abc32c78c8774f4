"""SIGTERM to a real `openpost worker` with a publish in flight: it claims nothing more,
lets the publish finish and exits 0; a publish still unanswered when the shutdown grace
runs out is cut short, and its lease expires into `outcome_unknown`, never a second send.

X is the fake X, holding the publish request until the test releases it. The worker's
PLATFORM_TIMEOUT_S is set above the grace, so only the grace can end a held publish."""

from __future__ import annotations

import asyncio
import inspect
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from dishka import AsyncContainer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import ManualClock
from adapters.crypto import generate_key
from adapters.ids import Uuid7Generator
from adapters.persistence.sqlalchemy.migrate import upgrade
from adapters.persistence.sqlalchemy.tables import post_targets
from application.complete_twitter_connect import CompleteTwitterConnect, TwitterCallback
from application.create_post import CreatePost, CreatePostCommand
from application.ports.unit_of_work import UnitOfWorkFactory
from application.start_connect import OAuthConnect, StartConnect
from application.workspaces import CreateWorkspace
from domain.platform import Platform
from domain.workspace import WorkspaceMode
from entrypoints.composition import build_container
from entrypoints.settings import Settings, load_settings
from entrypoints.worker import POLL_INTERVAL_S, build_publisher
from tests.fakes.x import DEFAULT_CLIENT, FakeX
from tests.support.serve import OPENPOST, ServeProcess, base_env
from tests.support.x import CALLBACK_PATH, consent, query_of

pytestmark = pytest.mark.slow
PUBLIC_URL = "http://127.0.0.1:9"
CREATE_TWEET = "create_tweet"
# A pass already under way when the signal lands still claims what is due (a pass does not
# look at `stop` between its steps), so the target due "after SIGTERM" falls due later ...
PAST_A_PASS_UNDER_WAY = timedelta(seconds=2)
# OPENPOST_SHUTDOWN_GRACE_S (20 by default): long enough to outlast the watch below when
# the publish is released, short when the test waits for the grace to run out.
LONG_GRACE_S, GRACE_S = 60, 3
# ... and is then watched for this many poll intervals, in which a worker still polling
# would surely claim it. Proving a "never" needs a window; nothing waits on it to happen.
WATCHED_POLLS = 12
LEASE_S = 90  # outlasts the long grace, as the settings require
# X taking seconds to answer a publish, and the grace every worker has by default.
SLOW_X_S, DEFAULT_GRACE_S = 4.0, 20
TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Target:
    status: str
    attempts: int
    platform_post_id: str | None = None
    error_code: str | None = None


@dataclass
class World:
    """A live workspace whose X account lives on the fake X, and the settings a worker
    needs to publish there."""

    settings: Settings
    env: dict[str, str]
    container: AsyncContainer
    workspace_id: UUID
    integration_id: UUID

    async def post(self, content: str, due_at: datetime) -> UUID:
        """A post on the X account falling due at `due_at` (scheduled as if a minute and a
        bit before); returns its one target's id."""
        clock = ManualClock(due_at - timedelta(seconds=61))
        uow_factory = await self.container.get(UnitOfWorkFactory)
        command = CreatePostCommand(self.workspace_id, content, [self.integration_id], due_at)
        post = await CreatePost(uow_factory(), Uuid7Generator(), clock).execute(command)
        [target] = post.targets
        return target.id

    async def target(self, target_id: UUID) -> Target:
        engine = await self.container.get(AsyncEngine)
        columns = (
            post_targets.c.status,
            post_targets.c.attempts,
            post_targets.c.platform_post_id,
            post_targets.c.error_code,
        )
        async with engine.connect() as conn:
            rows = await conn.execute(select(*columns).where(post_targets.c.id == target_id))
            return Target(*rows.one())


@pytest.fixture
async def world(database_url: str, fake_x: FakeX) -> AsyncIterator[World]:
    fake_x.register_client(
        DEFAULT_CLIENT.client_id, DEFAULT_CLIENT.secret, [PUBLIC_URL + CALLBACK_PATH]
    )
    env = {
        "OPENPOST_DATABASE_URL": database_url,
        "OPENPOST_SECRET_KEY": generate_key(),
        "OPENPOST_PUBLIC_URL": PUBLIC_URL,
        "OPENPOST_TWITTER_CLIENT_ID": DEFAULT_CLIENT.client_id,
        "OPENPOST_TWITTER_CLIENT_SECRET": DEFAULT_CLIENT.secret or "",
        "OPENPOST_TWITTER_AUTHORIZE_URL": fake_x.url("/i/oauth2/authorize"),
        "OPENPOST_TWITTER_API_URL": fake_x.url(""),
        "OPENPOST_PLATFORM_TIMEOUT_S": str(LONG_GRACE_S * 2),
        "OPENPOST_SHUTDOWN_GRACE_S": str(LONG_GRACE_S),
        "OPENPOST_PUBLISH_LEASE_S": str(LEASE_S),
    }
    settings = load_settings(env, dotenv=None)
    container = build_container(settings)
    try:
        await upgrade(await container.get(AsyncEngine))
        async with container() as scope:
            created = await (await scope.get(CreateWorkspace)).execute("ops", WorkspaceMode.LIVE)
            started = await (await scope.get(StartConnect)).execute(
                created.workspace.id, WorkspaceMode.LIVE, Platform.TWITTER
            )
        assert isinstance(started, OAuthConnect)
        async with httpx.AsyncClient(follow_redirects=False, timeout=10) as browser:
            answer = query_of(await consent(browser, started.url))
        async with container() as scope:
            connected = await (await scope.get(CompleteTwitterConnect)).execute(
                TwitterCallback(state=answer["state"], code=answer["code"])
            )
        yield World(settings, env, container, created.workspace.id, connected.integration.id)
    finally:
        fake_x.release()
        await container.close()


@contextmanager
def openpost_worker(cwd: Path, env: dict[str, str]) -> Iterator[ServeProcess]:
    """`openpost worker` configured by `env` alone, its log read as it comes."""
    process = subprocess.Popen(
        [str(OPENPOST), "worker"],
        cwd=cwd,
        env=base_env(**env, OPENPOST_LOG_LEVEL="INFO"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    worker = ServeProcess(process=process, url="")
    worker.start_draining_stderr()
    try:
        yield worker
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


async def until(
    condition: Callable[[], bool | Awaitable[bool]],
    what: str,
    worker: ServeProcess | None = None,
) -> None:
    """Polls `condition` until it holds; fails if `worker` exits first or time runs out."""
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        result = condition()
        if await result if inspect.isawaitable(result) else result:
            return
        if worker is not None and worker.process.poll() is not None:
            raise AssertionError(f"worker exited before {what}:\n{worker.logs()}")
        if time.monotonic() > deadline:
            logs = worker.logs() if worker is not None else ""
            raise AssertionError(f"no {what} within {TIMEOUT_S} s:\n{logs}")
        await asyncio.sleep(0.05)


async def test_a_worker_given_sigterm_finishes_a_publish_already_in_flight(
    world: World, fake_x: FakeX, tmp_path: Path
) -> None:
    fake_x.hold_next(CREATE_TWEET)
    first = await world.post("in flight at shutdown", datetime.now(UTC) - timedelta(minutes=1))
    with openpost_worker(tmp_path, world.env) as worker:
        await until(lambda: fake_x.held(CREATE_TWEET) == 1, "publish request at X", worker)
        worker.process.send_signal(signal.SIGTERM)
        due = datetime.now(UTC) + PAST_A_PASS_UNDER_WAY
        second = await world.post("due while shutting down", due)

        watched_until = due + timedelta(seconds=WATCHED_POLLS * POLL_INTERVAL_S)
        while datetime.now(UTC) < watched_until:
            assert worker.process.poll() is None, f"exited mid-publish:\n{worker.logs()}"
            assert (await world.target(second)).status == "pending", "claimed after SIGTERM"
            assert fake_x.requests[CREATE_TWEET] == 1
            await asyncio.sleep(0.1)
        assert fake_x.release(CREATE_TWEET) == 1
        exit_code = await asyncio.to_thread(worker.process.wait, TIMEOUT_S)

    assert exit_code == 0, worker.logs()
    assert "publisher stopped" in worker.logs()
    [tweet] = fake_x.tweets
    assert tweet.text == "in flight at shutdown"
    assert fake_x.requests[CREATE_TWEET] == 1
    assert await world.target(first) == Target("published", 1, platform_post_id=tweet.id)
    assert await world.target(second) == Target("pending", 0)
    # Left for the next worker, which publishes it: it was due and claimable all along.
    publisher = await build_publisher(world.container, world.settings)
    assert await publisher.run_once() == 1
    await publisher.drain(TIMEOUT_S)
    assert (await world.target(second)).status == "published"


async def test_a_publish_unanswered_through_the_grace_is_cut_short_and_never_sent_again(
    world: World, fake_x: FakeX, tmp_path: Path
) -> None:
    fake_x.hold_next(CREATE_TWEET)
    target = await world.post("never answered", datetime.now(UTC) - timedelta(minutes=1))
    short = {
        **world.env,
        "OPENPOST_SHUTDOWN_GRACE_S": str(GRACE_S),
        "OPENPOST_PUBLISH_LEASE_S": str(GRACE_S + 2),  # outlasts the grace, not much more
    }
    with openpost_worker(tmp_path, short) as worker:
        await until(lambda: fake_x.held(CREATE_TWEET) == 1, "publish request at X", worker)
        signalled = time.monotonic()
        worker.process.send_signal(signal.SIGTERM)
        exit_code = await asyncio.to_thread(worker.process.wait, GRACE_S + TIMEOUT_S)
        waited = time.monotonic() - signalled

    assert exit_code == 0, worker.logs()
    assert waited >= GRACE_S, f"exited {waited:.1f} s after SIGTERM"
    assert "1 publishes cut short at shutdown" in worker.logs()
    assert await world.target(target) == Target("publishing", 1)

    # The next worker finds the lease (GRACE_S + 2 from the claim) expired: outcome_unknown.
    publisher = await build_publisher(world.container, world.settings)

    async def lease_expired() -> bool:
        await publisher.run_once()
        await publisher.drain(TIMEOUT_S)
        return (await world.target(target)).status != "publishing"

    await until(lease_expired, "expired lease")
    assert await world.target(target) == Target("failed", 1, error_code="outcome_unknown")
    assert fake_x.requests[CREATE_TWEET] == 1
    assert fake_x.tweets == []


async def test_sigterm_while_x_answers_slowly_records_the_publish_within_the_grace(
    world: World, fake_x: FakeX, tmp_path: Path
) -> None:
    """No test hand releases X here: it answers on its own, seconds later, and the worker
    still records the publish before it exits, well inside the grace."""
    fake_x.delay_next(CREATE_TWEET, SLOW_X_S)
    target = await world.post("answered slowly", datetime.now(UTC) - timedelta(minutes=1))
    env = {**world.env, "OPENPOST_SHUTDOWN_GRACE_S": str(DEFAULT_GRACE_S)}
    with openpost_worker(tmp_path, env) as worker:
        await until(lambda: fake_x.requests[CREATE_TWEET] == 1, "publish request at X", worker)
        signalled = time.monotonic()
        worker.process.send_signal(signal.SIGTERM)
        assert (await world.target(target)).status == "publishing"  # X has not answered yet
        exit_code = await asyncio.to_thread(worker.process.wait, TIMEOUT_S)
        waited = time.monotonic() - signalled

    assert exit_code == 0, worker.logs()
    assert waited < DEFAULT_GRACE_S, f"exited {waited:.1f} s after SIGTERM"
    assert "publisher stopped" in worker.logs()
    [tweet] = fake_x.tweets
    assert tweet.text == "answered slowly"
    assert await world.target(target) == Target("published", 1, platform_post_id=tweet.id)
