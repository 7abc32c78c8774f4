"""A statementwise unit of work (the idempotency guard's): on PostgreSQL each statement
commits on its own, no BEGIN and COMMIT around it; SQLite ignores the option."""

from __future__ import annotations

from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from tests.contract.builders import a_workspace
from tests.contract.conftest import SqlBackend


def _statementwise(backend: SqlBackend) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(backend.engine, backend.cipher, backend.clock, statementwise=True)


async def test_on_postgresql_each_statement_is_committed_at_once(
    postgres_backend: SqlBackend,
) -> None:
    workspace = a_workspace()
    async with _statementwise(postgres_backend) as uow:
        await uow.workspaces.add(workspace)
        async with postgres_backend.from_another_process() as other:
            assert await other.workspaces.get(workspace.id) == workspace
        await uow.commit()


async def test_on_sqlite_the_unit_is_a_transaction_still(sqlite_backend: SqlBackend) -> None:
    async with _statementwise(sqlite_backend) as uow:
        await uow.workspaces.add(a_workspace())

    async with sqlite_backend() as uow:
        assert not await uow.workspaces.exists_any()
