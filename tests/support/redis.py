"""The machine's Redis (127.0.0.1:6379 by default; `OPENPOST_TEST_REDIS_URL` names another).

Tests isolate themselves by key prefix, never by flushing: others may share the server."""

from __future__ import annotations

import os

from redis.asyncio import Redis
from redis.exceptions import RedisError

from tests.support.services import missing

REDIS_URL = os.environ.get("OPENPOST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def available_redis_url() -> str:
    """The URL of a Redis that answers PING, or skips (fails under CI=true)."""
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        await client.ping()
    except (RedisError, OSError) as error:
        missing("Redis", f"{REDIS_URL}: {error}")
    finally:
        await client.aclose()
    return REDIS_URL
