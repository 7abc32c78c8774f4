"""Files the service creates are its owner's alone: the SQLite database, its `-wal` and
`-shm` (key hashes, post text, pending PKCE verifiers) and `openpost.key`, whatever the
umask, from the moment they exist."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.persistence.sqlalchemy.engine import create_engine
from tests.support.serve import base_env, demo_key, serve

FILES = ("openpost.db", "openpost.db-wal", "openpost.db-shm", "openpost.key")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The common default: new files readable by everyone unless asked otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_a_served_database_and_its_key_are_the_owners_alone(
    tmp_path: Path, permissive_umask: None
) -> None:
    with serve(tmp_path, base_env(), "--no-worker") as server:
        key = demo_key(server)
        answer = httpx.delete(
            server.url + "/v1/integrations/00000000-0000-0000-0000-000000000000",
            headers={"Authorization": f"Bearer {key}"},
        )
        assert answer.status_code == 404
        # While it runs, as the WAL and shared-memory files exist only then.
        assert {name: mode_of(tmp_path / name) for name in FILES} == dict.fromkeys(FILES, 0o600)
        assert server.stop() == 0


async def test_the_database_file_exists_owner_only_before_sqlite_opens_it(
    tmp_path: Path, permissive_umask: None
) -> None:
    """No window: the file is made 0600 before the first connection, not narrowed later
    (SQLite then gives `-wal` and `-shm` the database file's mode)."""
    path = tmp_path / "fresh.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        assert mode_of(path) == 0o600 and path.stat().st_size == 0
        async with engine.begin() as conn:
            await conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        assert mode_of(path) == 0o600
        assert mode_of(path.with_name("fresh.db-wal")) == 0o600
    finally:
        await engine.dispose()


async def test_files_left_readable_by_an_earlier_version_are_narrowed(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    for name in ("old.db", "old.db-wal", "old.db-shm"):
        (tmp_path / name).touch(mode=0o644)
        (tmp_path / name).chmod(0o644)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await engine.dispose()
    assert [mode_of(tmp_path / n) for n in ("old.db", "old.db-wal", "old.db-shm")] == [0o600] * 3
