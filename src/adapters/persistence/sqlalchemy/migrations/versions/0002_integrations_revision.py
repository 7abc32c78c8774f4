"""integrations revision per workspace

A counter on each workspace that every insert, update or delete of one of its
integrations moves on, in the same transaction (a trigger, so no writer can forget it).
Readers compare it to tell whether something they derived from the integrations (a
rendered list page) is still current.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_TRIGGERS = {
    "trg_integrations_rev_insert": """
        CREATE TRIGGER trg_integrations_rev_insert AFTER INSERT ON integrations
        BEGIN
            UPDATE workspaces SET integrations_rev = integrations_rev + 1
            WHERE id = NEW.workspace_id;
        END
    """,
    "trg_integrations_rev_update": """
        CREATE TRIGGER trg_integrations_rev_update AFTER UPDATE ON integrations
        BEGIN
            UPDATE workspaces SET integrations_rev = integrations_rev + 1
            WHERE id = NEW.workspace_id;
        END
    """,
    "trg_integrations_rev_delete": """
        CREATE TRIGGER trg_integrations_rev_delete AFTER DELETE ON integrations
        BEGIN
            UPDATE workspaces SET integrations_rev = integrations_rev + 1
            WHERE id = OLD.workspace_id;
        END
    """,
}


def upgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("integrations_rev", sa.BigInteger(), nullable=False, server_default="0")
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION openpost_bump_integrations_rev() RETURNS trigger AS $$
            BEGIN
                UPDATE workspaces SET integrations_rev = integrations_rev + 1
                WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.workspace_id
                                ELSE NEW.workspace_id END;
                RETURN NULL;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            """
            CREATE TRIGGER trg_integrations_rev
            AFTER INSERT OR UPDATE OR DELETE ON integrations
            FOR EACH ROW EXECUTE FUNCTION openpost_bump_integrations_rev()
            """
        )
        return
    for create in _SQLITE_TRIGGERS.values():
        op.execute(create)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER trg_integrations_rev ON integrations")
        op.execute("DROP FUNCTION openpost_bump_integrations_rev()")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(sa.text("DROP TRIGGER " + name))
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("integrations_rev")
