"""media_scope_missing on X integrations connected before media.write was asked for

Until now the connect URL asked X for tweet.read, tweet.write, users.read and
offline.access only, so no live X integration can upload media: each gets the
`media_scope_missing` warning, which connecting again clears. Test workspaces publish to
the simulated X, which grants every scope, so theirs are left alone.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 10:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UPGRADE = """
    UPDATE integrations
    SET warnings = CASE WHEN warnings = '' THEN 'media_scope_missing'
                        ELSE warnings || ',media_scope_missing' END
    WHERE platform = 'twitter'
      AND workspace_id IN (SELECT id FROM workspaces WHERE mode = 'live')
      AND warnings NOT LIKE '%media_scope_missing%'
"""
_DOWNGRADE = """
    UPDATE integrations
    SET warnings = TRIM(REPLACE(warnings, 'media_scope_missing', ''), ',')
    WHERE platform = 'twitter'
"""


def upgrade() -> None:
    op.execute(_UPGRADE)


def downgrade() -> None:
    op.execute(_DOWNGRADE)
