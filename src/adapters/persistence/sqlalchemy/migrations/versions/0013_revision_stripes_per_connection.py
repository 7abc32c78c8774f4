"""revision stripes: one per connection, not per server process id modulo 64

The triggers of 0011 and 0012 added to the revision row of stripe `pg_backend_pid() % 64`.
Two live server processes can share a stripe (pids congruent modulo 64); two transactions
of theirs writing two integrations or workspaces in opposite orders (two batches of
publish outcomes, two creates with several targets) then locked the shared rows in
opposite orders, and PostgreSQL aborted one of them as a deadlock.

Now the application's connections each own a stripe from 0 to 255 that no other live
connection holds (an advisory lock taken when the connection opens, see
`adapters.persistence.sqlalchemy.engine`), and say which in the setting `openpost.stripe`;
the triggers add to that row, so revision rows never make two transactions wait on each
other. A connection without the setting (psql, any client not opened through the
application's engine, or one opened while all 256 stripes were taken) keeps the old
striping, moved to 256 + pid modulo 64 so it never shares a row with an owned stripe.
Readers sum every row of an integration or workspace, so nothing changes for them.
SQLite (one writer at a time, one row) is unchanged.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 18:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OWNED = (
    "coalesce(nullif(current_setting('openpost.stripe', true), '')::int,"
    " 256 + pg_backend_pid() % 64)"
)
_BY_PID = "pg_backend_pid() % 64"

_ADD_TO = """
        INSERT INTO slot_revisions (integration_id, stripe, rev)
        VALUES ({id}, {stripe}, 1)
        ON CONFLICT (integration_id, stripe) DO UPDATE SET rev = slot_revisions.rev + 1;"""


def _of_integration(stripe: str) -> str:
    add_to = _ADD_TO.replace("{stripe}", stripe)
    return (
        """
    CREATE OR REPLACE FUNCTION openpost_slots_rev_of_integration() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN"""
        + add_to.replace("{id}", "OLD.integration_id")
        + """
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE'
                                AND NEW.integration_id IS DISTINCT FROM OLD.integration_id) THEN"""
        + add_to.replace("{id}", "NEW.integration_id")
        + """
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """
    )


def _of_id(stripe: str) -> str:
    return (
        """
    CREATE OR REPLACE FUNCTION openpost_slots_rev_of_id() RETURNS trigger AS $$
    BEGIN"""
        + _ADD_TO.replace("{stripe}", stripe).replace("{id}", "OLD.id")
        + """
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """
    )


def _bump_posts(stripe: str) -> str:
    return """
    CREATE OR REPLACE FUNCTION openpost_bump_posts_rev() RETURNS trigger AS $$
    BEGIN
        INSERT INTO post_revisions (workspace_id, stripe, rev)
        SELECT DISTINCT workspace_id, {stripe}, 1 FROM changed
        ORDER BY workspace_id
        ON CONFLICT (workspace_id, stripe) DO UPDATE SET rev = post_revisions.rev + 1;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """.replace("{stripe}", stripe)


def _replace_functions(stripe: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_of_integration(stripe))
    op.execute(_of_id(stripe))
    op.execute(_bump_posts(stripe))


def upgrade() -> None:
    _replace_functions(_OWNED)


def downgrade() -> None:
    _replace_functions(_BY_PID)
