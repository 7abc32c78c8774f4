"""A request stuck behind another's lock answers 503 `database_unavailable` once the lock
timeout passes (shortened here), and the service answers normally once the lock is gone."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import ManualClock
from tests.e2e.conftest import START
from tests.e2e.test_database_faults import assert_unavailable
from tests.e2e.test_rate_limit import api_with
from tests.support.postgres import admin_connection, temporary_database

LOCK_TIMEOUT_MS = 300


@asynccontextmanager
async def sqlite_write_lock(url: str) -> AsyncIterator[None]:
    """Another process's writer, holding SQLite's one write lock."""
    holder = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@asynccontextmanager
async def postgres_table_lock(url: str) -> AsyncIterator[None]:
    """An operator's session holding the integrations table (reads and writes wait)."""
    async with admin_connection(make_url(url).database) as holder:
        transaction = holder.transaction()
        await transaction.start()
        await holder.execute("LOCK TABLE integrations IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            await transaction.rollback()


def lock_for(url: str) -> Callable[[str], AbstractAsyncContextManager[None]]:
    return sqlite_write_lock if url.startswith("sqlite") else postgres_table_lock


async def test_a_request_behind_a_held_lock_is_503_within_the_lock_timeout(
    database_url: str,
) -> None:
    async with api_with(
        database_url,
        ManualClock(START),
        OPENPOST_RATE_LIMIT="0",
        OPENPOST_LOCK_TIMEOUT_MS=str(LOCK_TIMEOUT_MS),
    ) as api:
        ws = await api.workspace()
        h, integration = api.auth(ws), ws.integrations[0].id

        async with lock_for(database_url)(database_url):
            started = time.monotonic()
            answer = await api.client.delete(f"/v1/integrations/{integration}", headers=h)
            waited = time.monotonic() - started
            assert_unavailable(answer)
            assert LOCK_TIMEOUT_MS / 1000 <= waited < LOCK_TIMEOUT_MS / 1000 + 5

        done = await api.client.delete(f"/v1/integrations/{integration}", headers=h)
        assert done.status_code == 200, done.text


@pytest.mark.postgres
async def test_the_bounds_reach_every_postgresql_connection() -> None:
    async with temporary_database() as url, api_with(
        url,
        ManualClock(START),
        OPENPOST_STATEMENT_TIMEOUT_MS="1500",
        OPENPOST_LOCK_TIMEOUT_MS="700",
    ) as api:
        engine = await api.container.get(AsyncEngine)
        async with engine.connect() as conn:
            shown = [
                (await conn.execute(text(f"SHOW {name}"))).scalar()
                for name in ("statement_timeout", "lock_timeout")
            ]
        assert shown == ["1500ms", "700ms"]
