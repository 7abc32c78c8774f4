"""A statementwise unit of work (the idempotency guard's): on PostgreSQL each of its hot
statements (those on asyncpg directly, `pg_driver`) commits on its own, no BEGIN and
COMMIT around it, and SQLAlchemy's own statements share one transaction that the unit's
commit ends; SQLite ignores the option."""

from __future__ import annotations

from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from tests.contract.builders import a_workspace, committed_workspace
from tests.contract.conftest import START, SqlBackend


def _statementwise(backend: SqlBackend) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(backend.engine, backend.cipher, backend.clock, statementwise=True)


async def test_on_postgresql_each_hot_statement_is_committed_at_once(
    postgres_backend: SqlBackend,
) -> None:
    workspace = await committed_workspace(postgres_backend())
    async with _statementwise(postgres_backend) as uow:
        assert await uow.idempotency.take(workspace.id, "k", "f", START, START, START) is None
        async with postgres_backend.from_another_process() as other:
            found = await other.idempotency.take(workspace.id, "k", "g", START, START, START)
            assert found is not None and found.fingerprint == "f"
        await uow.commit()


async def test_on_postgresql_sqlalchemys_statements_commit_with_the_unit(
    postgres_backend: SqlBackend,
) -> None:
    workspace = a_workspace()
    async with _statementwise(postgres_backend) as uow:
        await uow.workspaces.add(workspace)
        async with postgres_backend.from_another_process() as other:
            assert await other.workspaces.get(workspace.id) is None
        await uow.commit()
    async with postgres_backend.from_another_process() as other:
        assert await other.workspaces.get(workspace.id) == workspace


async def test_on_sqlite_the_unit_is_a_transaction_still(sqlite_backend: SqlBackend) -> None:
    async with _statementwise(sqlite_backend) as uow:
        await uow.workspaces.add(a_workspace())

    async with sqlite_backend() as uow:
        assert not await uow.workspaces.exists_any()
