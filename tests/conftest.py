"""Fixtures shared by every test layer."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from tests.fakes.fake_x import fake_x, fake_x_server  # noqa: F401  (one fake X per session)
from tests.peers.bluesky_pds import bluesky_pds  # noqa: F401  (one PDS per session)
from tests.support.postgres import temporary_database
from tests.support.redis import available_redis_url

hypothesis_settings.register_profile("ci", max_examples=200, deadline=None)
hypothesis_settings.register_profile("dev", max_examples=100, deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


@pytest.fixture(scope="session")
async def postgres_url() -> AsyncIterator[str]:
    """One empty PostgreSQL database for the whole session (its own name, dropped after)."""
    async with temporary_database() as url:
        yield url


@pytest.fixture
async def fresh_postgres_url() -> AsyncIterator[str]:
    """An empty PostgreSQL database for one test."""
    async with temporary_database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'openpost.db'}"


@pytest.fixture
async def redis_url() -> str:
    """A Redis that answers; skipped when there is none (a failure under CI=true)."""
    return await available_redis_url()
