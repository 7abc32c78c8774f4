"""A worker killed with SIGKILL in the middle of a thread: the parts it published are
already recorded, nothing is ever sent twice, and the target ends `outcome_unknown` with
the unsent parts skipped once its lease runs out.

The thread is scheduled through the API (in this process); `openpost worker` runs as a
separate process against the same database and the fake X. Part 1 goes through, part 2
is held at the fake, and the worker is killed while it waits for that answer."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.crypto import generate_key
from tests.e2e.live_publishing import PUBLIC_URL, Live, live_world
from tests.e2e.test_publish_threads import PARTS, schedule, target
from tests.fakes.x import DEFAULT_CLIENT, DEFAULT_USER, FakeX
from tests.peers.bluesky_pds import LocalPds

pytestmark = [pytest.mark.pds, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SECRET = generate_key()
LEASE_S = 5


@pytest.fixture
async def live(database_url: str, fake_x: FakeX, bluesky_pds: LocalPds) -> AsyncIterator[Live]:
    async with live_world(database_url, fake_x, bluesky_pds, OPENPOST_SECRET_KEY=SECRET) as world:
        yield world


def spawn_worker(
    database_url: str, fake_x: FakeX, bluesky_pds: LocalPds
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT),
        "OPENPOST_DATABASE_URL": database_url,
        "OPENPOST_SECRET_KEY": SECRET,
        "OPENPOST_PUBLIC_URL": PUBLIC_URL,
        "OPENPOST_TWITTER_CLIENT_ID": DEFAULT_CLIENT.client_id,
        "OPENPOST_TWITTER_CLIENT_SECRET": DEFAULT_CLIENT.secret or "",
        "OPENPOST_TWITTER_AUTHORIZE_URL": fake_x.url("/i/oauth2/authorize"),
        "OPENPOST_TWITTER_API_URL": fake_x.url(""),
        "OPENPOST_BLUESKY_SERVICE_URL": bluesky_pds.url,
        "OPENPOST_PUBLISH_LEASE_S": str(LEASE_S),
        "OPENPOST_SHUTDOWN_GRACE_S": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def until(condition: object, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the worker never got there"
        await asyncio.sleep(0.05)


async def test_a_worker_killed_between_two_parts_sends_nothing_twice(
    live: Live, database_url: str, fake_x: FakeX, bluesky_pds: LocalPds
) -> None:
    x = await live.connect_x()
    fake_x.delay_next("create_tweet", 0)  # part 1 is answered
    fake_x.hold_next("create_tweet")  # part 2 waits at X for as long as we like
    post_id, _ = await schedule(live, [x["id"]], thread_parts=PARTS)

    worker = spawn_worker(database_url, fake_x, bluesky_pds)
    try:
        await until(lambda: fake_x.held("create_tweet") == 1)
        worker.send_signal(signal.SIGKILL)
        assert await asyncio.to_thread(worker.wait, 10) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    [first] = fake_x.tweets_by(DEFAULT_USER.id)
    recorded = await target(live, post_id, "twitter")
    assert recorded["status"] == "publishing"
    assert recorded["parts"][0]["status"] == "published"
    assert recorded["parts"][0]["platform_post_id"] == first.id, "part 1 recorded before part 2"

    fake_x.release("create_tweet")  # X carries out the request it got, answering nobody
    live.move_to(datetime.now(UTC) + timedelta(seconds=LEASE_S + 5))
    await live.run_publisher()  # another worker finds the lease expired

    settled = await target(live, post_id, "twitter")
    assert (settled["status"], settled["error"]["code"]) == ("failed", "outcome_unknown")
    assert [p["status"] for p in settled["parts"]] == ["published", "failed", "skipped"]
    texts = [t.text for t in fake_x.tweets_by(DEFAULT_USER.id)]
    assert len(texts) == len(set(texts)), "a part went out twice"
    assert fake_x.requests["create_tweet"] == 2  # part 1, and part 2 once (held, then cut)
