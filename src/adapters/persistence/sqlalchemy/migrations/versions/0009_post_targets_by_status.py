"""post targets by workspace and status

The posts listing filtered by status asks, for each post it considers, whether the post
has a target in some status. With the workspace in the question too, an index on
(workspace_id, status, post_id) answers it from the index alone, and lets the planner
start from the workspace's own targets in that status: without it PostgreSQL read every
failed target in the database (all workspaces) to list one workspace's failed posts.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 16:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_post_targets_by_status", "post_targets", ["workspace_id", "status", "post_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_post_targets_by_status", table_name="post_targets")
