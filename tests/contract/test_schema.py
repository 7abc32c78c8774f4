"""The Alembic migrations build exactly `tables.metadata`, and the busy-times query reads
through its partial index on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, insert, inspect, text
from sqlalchemy.engine import Connection

from adapters.clock import ManualClock
from adapters.crypto import FernetTokenCipher, generate_key
from adapters.persistence.sqlalchemy.engine import create_engine, loop_writer
from adapters.persistence.sqlalchemy.migrate import alembic_config, upgrade
from adapters.persistence.sqlalchemy.migrations import HEAD
from adapters.persistence.sqlalchemy.reads import ReadConnections
from adapters.persistence.sqlalchemy.revisions import SqlAlchemyIntegrationRevisions
from adapters.persistence.sqlalchemy.tables import metadata, post_targets, posts
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from domain.integration import IntegrationWarning
from domain.platform import Platform
from domain.workspace import WorkspaceMode
from tests.contract.builders import T0, committed_integration, committed_workspace
from tests.contract.conftest import SQL_BACKENDS, SqlBackend

TABLES = {
    "alembic_version",
    "workspaces",
    "api_keys",
    "integrations",
    "integration_credentials",
    "oauth_states",
    "posts",
    "post_targets",
    "post_revisions",
    "idempotency_keys",
    "integration_queues",
    "media",
    "webhook_endpoints",
    "webhook_events",
    "webhook_deliveries",
    "slot_revisions",
}


def _diff(connection: Connection) -> list[Any]:
    """What `alembic check` would report, server defaults included."""
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return [d for d in compare_metadata(context, metadata) if not _empty_default_on_sqlite(d)]


def _empty_default_on_sqlite(diff: Any) -> bool:
    """Alembic's SQLite comparison reads `DEFAULT ''` back as `('')` and calls it a change
    from '' (its quote stripping needs one character); the column does hold ''."""
    if not isinstance(diff, list) or len(diff) != 1 or diff[0][0] != "modify_default":
        return False
    _, _, _, _, _, reflected, wanted = diff[0]
    return str(getattr(reflected.arg, "text", reflected.arg)) in ("''", "('')") and wanted.arg == ""


async def test_the_migrations_match_the_tables(fresh_sql_backend: SqlBackend) -> None:
    async with fresh_sql_backend.engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        diff = await conn.run_sync(_diff)
        version = await conn.scalar(text("SELECT version_num FROM alembic_version"))

    assert names == TABLES
    assert diff == []
    assert version == HEAD


def test_the_head_constant_is_alembics_head() -> None:
    """`upgrade` leaves Alembic unloaded when the database is at `HEAD`: a migration added
    without moving it would never run on an existing database."""
    assert ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads() == [HEAD]


async def test_upgrading_again_is_a_no_op(fresh_sql_backend: SqlBackend) -> None:
    await upgrade(fresh_sql_backend.engine)
    async with fresh_sql_backend.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []


@pytest.fixture(params=SQL_BACKENDS)
def empty_database_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "fresh_postgres_url"
    url: str = request.getfixturevalue(name)
    return url


async def test_a_database_with_data_upgrades_to_revisions_that_work(
    empty_database_url: str,
) -> None:
    """A deployment made before migration 0002 keeps its rows; every workspace starts at
    revision 0, and writes made after the upgrade move it."""
    engine = create_engine(empty_database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade_to, "0001")
        old = SqlAlchemyUnitOfWork(engine, FernetTokenCipher([generate_key()]), ManualClock(T0))
        workspace = await committed_workspace(old)
        await upgrade(engine)
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT version_num FROM alembic_version")) == HEAD
        reads = ReadConnections(engine)
        try:
            revisions = SqlAlchemyIntegrationRevisions(reads)
            assert await revisions.of_workspace(workspace.id) == 0
            await committed_integration(old, workspace.id)
            assert await revisions.of_workspace(workspace.id) == 1
        finally:
            reads.dispose()
    finally:
        await engine.dispose()


def _upgrade_to(connection: Connection, target: str) -> None:
    config = alembic_config(str(connection.engine.url))
    config.attributes["connection"] = connection
    command.upgrade(config, target)


async def _seed_targets(backend: SqlBackend) -> Any:
    """A few thousand targets over many integrations, most no longer busy."""
    workspace = await committed_workspace(backend())
    integration_ids = [(await committed_integration(backend(), workspace.id)).id for _ in range(20)]
    statuses = ["published"] * 7 + ["failed", "pending", "canceled"]
    post_rows, target_rows = [], []
    for n in range(4000):
        post_id = uuid4()
        at = T0 + timedelta(minutes=17 * n)
        post_rows.append(
            {
                "id": post_id,
                "workspace_id": workspace.id,
                "content": "x",
                "scheduled_at": at,
                "created_at": T0,
                "updated_at": T0,
            }
        )
        target_rows.append(
            {
                "id": uuid4(),
                "post_id": post_id,
                "workspace_id": workspace.id,
                "integration_id": integration_ids[n % 20],
                "platform": "twitter",
                "content": "x",
                "status": statuses[(n // 20) % 10],
                "scheduled_at": at,
                "next_attempt_at": at,
                "updated_at": T0,
            }
        )
    async with backend.engine.begin() as conn:
        await conn.execute(insert(posts), post_rows)
        await conn.execute(insert(post_targets), target_rows)
    async with backend.engine.connect() as conn:
        await conn.exec_driver_sql("ANALYZE")
        await conn.commit()
    return integration_ids[3]


async def _captured_busy_query(backend: SqlBackend) -> tuple[str, Any]:
    """The statement and parameters the adapter really sends for a busy-times read."""
    integration_id = await _seed_targets(backend)
    seen: list[tuple[str, Any]] = []

    def _capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "post_targets" in statement:
            seen.append((statement, params))

    def _logged(query: Any) -> None:
        if "post_targets" in query.query:
            seen.append((query.query, tuple(query.args)))

    def _log_queries(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(_logged)

    def _stop_logging(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.driver_connection.remove_query_logger(_logged)

    # On PostgreSQL the read runs on asyncpg directly (pg_driver.py), past SQLAlchemy's
    # events: asyncpg's own query log sees it. A unit of work on a SQLite file writes
    # through the loop's writer (engine.loop_writer).
    listeners: list[tuple[Any, str, Any]] = []
    if backend.kind == "postgres":
        listeners += [
            (backend.engine.sync_engine, "checkout", _log_queries),
            (backend.engine.sync_engine, "checkin", _stop_logging),
        ]
    else:
        engines = [backend.engine.sync_engine, *filter(None, [loop_writer(backend.engine)])]
        listeners += [(engine, "before_cursor_execute", _capture) for engine in engines]
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        async with backend() as uow:
            busy = await uow.busy_times.busy_times(integration_id, T0, T0 + timedelta(days=7))
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)
    assert busy, "the seed should leave busy times in the window"
    assert len(seen) == 1
    return seen[0]


async def test_busy_times_read_through_the_partial_index(fresh_sql_backend: SqlBackend) -> None:
    statement, params = await _captured_busy_query(fresh_sql_backend)
    explain = "EXPLAIN QUERY PLAN " if fresh_sql_backend.kind == "sqlite" else "EXPLAIN "
    async with fresh_sql_backend.engine.connect() as conn:
        rows = (await conn.exec_driver_sql(explain + statement, params)).all()
    plan = "\n".join(str(row[-1]) for row in rows)
    print(f"\n{fresh_sql_backend.kind} busy-times plan:\n{plan}")

    assert "ix_post_targets_busy" in plan


async def test_live_x_integrations_from_before_media_get_the_media_scope_warning(
    empty_database_url: str,
) -> None:
    """They were connected without `media.write` (it was never asked for); Bluesky ones and
    those of test workspaces (the simulated X grants everything) are left alone."""
    engine = create_engine(empty_database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade_to, "0004")
        old = SqlAlchemyUnitOfWork(engine, FernetTokenCipher([generate_key()]), ManualClock(T0))
        live = await committed_workspace(old)
        test = await committed_workspace(old, name="demo", mode=WorkspaceMode.TEST)
        x = await committed_integration(old, live.id)
        bluesky = await committed_integration(old, live.id, platform=Platform.BLUESKY)
        demo_x = await committed_integration(old, test.id)
        await upgrade(engine)
        async with old as uow:
            found = await uow.integrations.get_many({x.id, bluesky.id, demo_x.id})
        assert found[x.id].warnings == (IntegrationWarning.MEDIA_SCOPE_MISSING,)
        assert found[bluesky.id].warnings == ()
        assert found[demo_x.id].warnings == ()
    finally:
        await engine.dispose()
