"""`python -m tests.support.commit_then_die DATABASE_URL SECRET_KEY WORKSPACE_ID
INTEGRATION_ID`: disconnects the integration and is killed (SIGKILL, by itself) the
instant its unit of work has committed, before anything else runs: what a crash right
after a commit leaves behind."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from uuid import UUID

from adapters.clock import SystemClock
from adapters.crypto import FernetTokenCipher
from adapters.persistence.sqlalchemy.engine import create_engine
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from adapters.platforms.directory import StaticPlatformDirectory
from application.disconnect_integration import DisconnectIntegration
from domain.workspace import WorkspaceMode


class DiesAfterCommit(SqlAlchemyUnitOfWork):
    async def commit(self) -> None:
        await super().commit()
        os.kill(os.getpid(), signal.SIGKILL)


async def main(url: str, secret: str, workspace_id: UUID, integration_id: UUID) -> None:
    engine = create_engine(url)
    uow = DiesAfterCommit(engine, FernetTokenCipher([secret]), SystemClock())
    platforms = StaticPlatformDirectory(live={}, simulated={})
    await DisconnectIntegration(uow, SystemClock(), platforms).execute(
        workspace_id, WorkspaceMode.TEST, integration_id
    )
    raise SystemExit("the commit returned and the process lived on")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], UUID(sys.argv[3]), UUID(sys.argv[4])))
