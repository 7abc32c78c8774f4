"""A throwaway PostgreSQL database per use, so runs never collide.

The server is the machine's (127.0.0.1:5432 by default); `OPENPOST_TEST_POSTGRES_URL`
names another. Each call of `temporary_database` creates `openpost_t_<hex>` and drops it
afterwards."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from tests.support.services import missing

ADMIN_URL = os.environ.get(
    "OPENPOST_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(_dsn(ADMIN_URL), timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        missing("PostgreSQL", f"{ADMIN_URL}: {error}")
        raise


@asynccontextmanager
async def temporary_database() -> AsyncIterator[str]:
    """Yields a SQLAlchemy URL of a new, empty database."""
    name = "openpost_t_" + secrets.token_hex(6)
    admin = await _admin()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await _admin()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def admin_connection(database: str | None = None) -> AsyncIterator[asyncpg.Connection]:
    """A superuser connection to the server: its admin database, or `database`."""
    url = make_url(ADMIN_URL)
    if database is not None:
        url = url.set(database=database)
    try:
        conn = await asyncpg.connect(_dsn(url.render_as_string(hide_password=False)), timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        missing("PostgreSQL", f"{ADMIN_URL}: {error}")
        raise
    try:
        yield conn
    finally:
        await conn.close()
