"""Schema upgrades with Alembic, callable from the CLI and from `serve` at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.sqlalchemy.migrations import HEAD

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(engine: AsyncEngine) -> None:
    """Brings the schema to the newest revision, in one transaction where the database
    allows it. A database already there is told by one query, without loading Alembic
    (a tenth of a second of imports at every start)."""
    async with engine.begin() as connection:
        if await connection.run_sync(is_at_head):
            return
        if connection.dialect.name == "postgresql":
            # A migration may rewrite a large table: the statement bound is for requests.
            await connection.execute(text("SET LOCAL statement_timeout = 0"))
        await connection.run_sync(_upgrade_with_alembic)


def is_at_head(connection: Connection) -> bool:
    """The database holds exactly the newest revision (none, an older one or an unknown one
    goes to Alembic, which upgrades or says what is wrong)."""
    if not connection.dialect.has_table(connection, VERSION_TABLE):
        return False
    versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return set(versions) == {HEAD}


def _upgrade_with_alembic(connection: Connection) -> None:
    from alembic import command

    config = alembic_config(str(connection.engine.url))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
