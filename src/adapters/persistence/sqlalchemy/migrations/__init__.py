"""Alembic migrations of the schema (`versions/`), run by `migrate.upgrade`."""

# The newest revision. Start-up compares it with the database's `alembic_version` and loads
# Alembic only when they differ; a test checks it against Alembic's own head, so a new
# migration that leaves it behind fails the suite.
HEAD = "0013"
