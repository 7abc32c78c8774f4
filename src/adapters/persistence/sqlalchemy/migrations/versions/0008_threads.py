"""threads: a post's thread settings and each target's parts

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread", sa.Text(), nullable=False, server_default="{}"))
    with op.batch_alter_table("post_targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parts", sa.Text(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("post_targets", schema=None) as batch_op:
        batch_op.drop_column("parts")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("thread")
