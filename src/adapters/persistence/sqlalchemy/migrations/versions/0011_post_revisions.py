"""posts revision per workspace

A number per workspace that moves on, in the same transaction (triggers, so no writer can
forget it), at every insert, update or delete of one of its posts or post targets. Readers
compare it to tell whether something they derived from the workspace's posts (a rendered
page of the posts listing) is still current.

It is the sum of the workspace's rows in `post_revisions`: on PostgreSQL each server
process (backend) adds to its own row (`stripe`, its pid modulo 64), so that writers of one
workspace (the publisher's claims and outcomes, concurrent creates) do not wait for each
other's commits on one counter row; a statement adds once per workspace it wrote, whatever
its number of rows. On SQLite, which has one writer at a time, there is one row.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 17:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("posts", "post_targets")

_SQLITE_BUMP = """
            INSERT INTO post_revisions (workspace_id, stripe, rev) VALUES ({row}.workspace_id, 0, 1)
            ON CONFLICT (workspace_id, stripe) DO UPDATE SET rev = rev + 1;"""


def _sqlite_triggers() -> dict[str, str]:
    made = {}
    for table in _TABLES:
        for event, row in (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD")):
            name = f"trg_posts_rev_{table}_{event}"
            made[name] = f"""
                CREATE TRIGGER {name} AFTER {event.upper()} ON {table}
                BEGIN{_SQLITE_BUMP.replace("{row}", row)}
                END
            """
    return made


# One statement adds 1 to the row of (workspace, this backend's stripe) of each workspace it
# wrote, in workspace order (so that two transactions meeting on a stripe lock in one order).
_POSTGRES_FUNCTION = """
    CREATE FUNCTION openpost_bump_posts_rev() RETURNS trigger AS $$
    BEGIN
        INSERT INTO post_revisions (workspace_id, stripe, rev)
        SELECT DISTINCT workspace_id, pg_backend_pid() % 64, 1 FROM changed
        ORDER BY workspace_id
        ON CONFLICT (workspace_id, stripe) DO UPDATE SET rev = post_revisions.rev + 1;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
"""


def _postgres_triggers() -> dict[str, tuple[str, str]]:
    made = {}
    for table in _TABLES:
        for event, rows in (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD")):
            name = f"trg_posts_rev_{table}_{event}"
            made[name] = (
                table,
                f"""
                CREATE TRIGGER {name} AFTER {event.upper()} ON {table}
                REFERENCING {rows} TABLE AS changed
                FOR EACH STATEMENT EXECUTE FUNCTION openpost_bump_posts_rev()
                """,
            )
    return made


def upgrade() -> None:
    op.create_table(
        "post_revisions",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("stripe", sa.Integer(), nullable=False),
        sa.Column("rev", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "stripe", name=op.f("pk_post_revisions")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_FUNCTION)
        for _table, create in _postgres_triggers().values():
            op.execute(create)
        return
    for create in _sqlite_triggers().values():
        op.execute(create)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, (table, _create) in _postgres_triggers().items():
            op.execute(f"DROP TRIGGER {name} ON {table}")
        op.execute("DROP FUNCTION openpost_bump_posts_rev()")
    else:
        for name in _sqlite_triggers():
            op.execute(sa.text("DROP TRIGGER " + name))
    op.drop_table("post_revisions")
