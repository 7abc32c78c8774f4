"""integration queues

One posting queue per integration (section 9): a weekly schedule in a time zone, with
blocked dates, a minimum gap and a horizon.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 09:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import adapters.persistence.sqlalchemy.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "integration_queues",
        sa.Column("integration_id", sa.Uuid(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("slots", sa.Text(), nullable=False),
        sa.Column("blocked_dates", sa.Text(), nullable=False),
        sa.Column("min_gap_minutes", sa.Integer(), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            adapters.persistence.sqlalchemy.types.UtcDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_integration_queues_integration_id_integrations"),
        ),
        sa.PrimaryKeyConstraint("integration_id", name=op.f("pk_integration_queues")),
    )


def downgrade() -> None:
    op.drop_table("integration_queues")
