"""slot revisions per integration

A number per integration that moves on, in the same transaction (triggers, so no writer
can forget it), at every write that can change the integration's next slot: a target
becoming busy (pending or publishing) or no longer busy, a busy target moved in time or
to another integration, a queue set, changed or deleted, the integration itself changed
or removed. Claiming a target (pending -> publishing) and a part's progress leave it.

Readers compare it to tell whether the slot inputs they keep (the integration, its queue,
its busy times) are still current. It is the sum of the rows of the integration in
`slot_revisions`: on PostgreSQL each server process (backend) adds to its own row (`stripe`,
its pid modulo 64), so concurrent writers to one integration do not wait for each other's
commits on one counter row; on SQLite, which has one writer at a time, there is one row.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BUSY = "('pending', 'publishing')"


# The trigger step adding 1 to an integration's row; "{id}" is a column of OLD or NEW.
_SQLITE_BUMP = """
            INSERT INTO slot_revisions (integration_id, stripe, rev) VALUES ({id}, 0, 1)
            ON CONFLICT (integration_id, stripe) DO UPDATE SET rev = rev + 1;"""


def _sqlite_bump(integration: str) -> str:
    return _SQLITE_BUMP.replace("{id}", integration)


_SQLITE_TRIGGERS = {
    "trg_slots_rev_target_insert": f"""
        CREATE TRIGGER trg_slots_rev_target_insert AFTER INSERT ON post_targets
        WHEN NEW.status IN {_BUSY}
        BEGIN{_sqlite_bump("NEW.integration_id")}
        END
    """,
    "trg_slots_rev_target_update": f"""
        CREATE TRIGGER trg_slots_rev_target_update AFTER UPDATE ON post_targets
        WHEN (OLD.status IN {_BUSY}) <> (NEW.status IN {_BUSY})
            OR (NEW.status IN {_BUSY} AND (OLD.scheduled_at IS NOT NEW.scheduled_at
                                          OR OLD.integration_id IS NOT NEW.integration_id))
        BEGIN{_sqlite_bump("OLD.integration_id")}{_sqlite_bump("NEW.integration_id")}
        END
    """,
    "trg_slots_rev_target_delete": f"""
        CREATE TRIGGER trg_slots_rev_target_delete AFTER DELETE ON post_targets
        WHEN OLD.status IN {_BUSY}
        BEGIN{_sqlite_bump("OLD.integration_id")}
        END
    """,
    "trg_slots_rev_queue_insert": f"""
        CREATE TRIGGER trg_slots_rev_queue_insert AFTER INSERT ON integration_queues
        BEGIN{_sqlite_bump("NEW.integration_id")}
        END
    """,
    "trg_slots_rev_queue_update": f"""
        CREATE TRIGGER trg_slots_rev_queue_update AFTER UPDATE ON integration_queues
        BEGIN{_sqlite_bump("OLD.integration_id")}{_sqlite_bump("NEW.integration_id")}
        END
    """,
    "trg_slots_rev_queue_delete": f"""
        CREATE TRIGGER trg_slots_rev_queue_delete AFTER DELETE ON integration_queues
        BEGIN{_sqlite_bump("OLD.integration_id")}
        END
    """,
    "trg_slots_rev_integration_update": f"""
        CREATE TRIGGER trg_slots_rev_integration_update AFTER UPDATE ON integrations
        BEGIN{_sqlite_bump("OLD.id")}{_sqlite_bump("NEW.id")}
        END
    """,
    "trg_slots_rev_integration_delete": f"""
        CREATE TRIGGER trg_slots_rev_integration_delete AFTER DELETE ON integrations
        BEGIN{_sqlite_bump("OLD.id")}
        END
    """,
}

_POSTGRES_UP = [
    """
    CREATE FUNCTION openpost_bump_slot_rev(integration uuid) RETURNS void AS $$
        INSERT INTO slot_revisions (integration_id, stripe, rev)
        VALUES (integration, pg_backend_pid() % 64, 1)
        ON CONFLICT (integration_id, stripe) DO UPDATE SET rev = slot_revisions.rev + 1
    $$ LANGUAGE sql
    """,
    """
    CREATE FUNCTION openpost_slots_rev_of_integration() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            PERFORM openpost_bump_slot_rev(OLD.integration_id);
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE'
                                AND NEW.integration_id IS DISTINCT FROM OLD.integration_id) THEN
            PERFORM openpost_bump_slot_rev(NEW.integration_id);
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE FUNCTION openpost_slots_rev_of_id() RETURNS trigger AS $$
    BEGIN
        PERFORM openpost_bump_slot_rev(OLD.id);
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    f"""
    CREATE TRIGGER trg_slots_rev_target_insert AFTER INSERT ON post_targets
    FOR EACH ROW WHEN (NEW.status IN {_BUSY})
    EXECUTE FUNCTION openpost_slots_rev_of_integration()
    """,
    f"""
    CREATE TRIGGER trg_slots_rev_target_update AFTER UPDATE ON post_targets
    FOR EACH ROW WHEN ((OLD.status IN {_BUSY}) <> (NEW.status IN {_BUSY})
        OR (NEW.status IN {_BUSY} AND (OLD.scheduled_at IS DISTINCT FROM NEW.scheduled_at
                                      OR OLD.integration_id <> NEW.integration_id)))
    EXECUTE FUNCTION openpost_slots_rev_of_integration()
    """,
    f"""
    CREATE TRIGGER trg_slots_rev_target_delete AFTER DELETE ON post_targets
    FOR EACH ROW WHEN (OLD.status IN {_BUSY})
    EXECUTE FUNCTION openpost_slots_rev_of_integration()
    """,
    """
    CREATE TRIGGER trg_slots_rev_queue AFTER INSERT OR UPDATE OR DELETE ON integration_queues
    FOR EACH ROW EXECUTE FUNCTION openpost_slots_rev_of_integration()
    """,
    """
    CREATE TRIGGER trg_slots_rev_integration AFTER UPDATE OR DELETE ON integrations
    FOR EACH ROW EXECUTE FUNCTION openpost_slots_rev_of_id()
    """,
]

_POSTGRES_DOWN = [
    "DROP TRIGGER trg_slots_rev_integration ON integrations",
    "DROP TRIGGER trg_slots_rev_queue ON integration_queues",
    "DROP TRIGGER trg_slots_rev_target_delete ON post_targets",
    "DROP TRIGGER trg_slots_rev_target_update ON post_targets",
    "DROP TRIGGER trg_slots_rev_target_insert ON post_targets",
    "DROP FUNCTION openpost_slots_rev_of_id()",
    "DROP FUNCTION openpost_slots_rev_of_integration()",
    "DROP FUNCTION openpost_bump_slot_rev(uuid)",
]


def upgrade() -> None:
    op.create_table(
        "slot_revisions",
        sa.Column("integration_id", sa.Uuid(), nullable=False),
        sa.Column("stripe", sa.Integer(), nullable=False),
        sa.Column("rev", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("integration_id", "stripe", name=op.f("pk_slot_revisions")),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in _POSTGRES_UP:
            op.execute(statement)
        return
    for create in _SQLITE_TRIGGERS.values():
        op.execute(create)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _POSTGRES_DOWN:
            op.execute(statement)
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(sa.text("DROP TRIGGER " + name))
    op.drop_table("slot_revisions")
