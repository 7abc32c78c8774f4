"""idempotency keys remember what they created

An idempotency key's record notes the resource its request created, in the same
transaction as the resource: a request whose process died after creating it is answered
with that resource on retry, never with a second one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 10:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("idempotency_keys", sa.Column("resource_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("resource_id")
