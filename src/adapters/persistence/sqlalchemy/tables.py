"""Explicit tables. Domain classes are not mapped; the `*_mappers.py` modules convert rows."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)

from adapters.persistence.sqlalchemy.types import UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("mode", String(8), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # Moved on by a trigger at every write to the workspace's integrations (migration 0002).
    Column("integrations_rev", BigInteger, nullable=False, server_default=text("0")),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, ForeignKey("workspaces.id"), nullable=False, index=True),
    Column("prefix", String(12), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)

integrations = Table(
    "integrations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, ForeignKey("workspaces.id"), nullable=False),
    Column("platform", String(16), nullable=False),
    Column("platform_user_id", String(255), nullable=False),
    Column("username", String(255), nullable=False),
    Column("display_name", String(255), nullable=False),
    Column("avatar_url", Text, nullable=True),
    Column("status", String(16), nullable=False),
    Column("status_reason", String(32), nullable=True),
    Column("warnings", String(255), nullable=False, server_default=""),
    Column("connected_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint(
        "workspace_id", "platform", "platform_user_id", name="uq_integrations_account"
    ),
    Index("ix_integrations_listing", "workspace_id", "status", "connected_at", "id"),
)

integration_credentials = Table(
    "integration_credentials",
    metadata,
    Column("integration_id", Uuid, ForeignKey("integrations.id"), primary_key=True),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

oauth_states = Table(
    "oauth_states",
    metadata,
    Column("state", String(128), primary_key=True),
    Column("workspace_id", Uuid, ForeignKey("workspaces.id"), nullable=False),
    Column("platform", String(16), nullable=False),
    Column("code_verifier", String(128), nullable=False),
    Column("redirect_uri", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)

posts = Table(
    "posts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, ForeignKey("workspaces.id"), nullable=False),
    Column("content", Text, nullable=False),
    Column("tags", Text, nullable=False, server_default="[]"),
    Column("platform_overrides", Text, nullable=False, server_default="{}"),
    Column("scheduled_at", UtcDateTime, nullable=True),
    Column("canceled_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("media", Text, nullable=False, server_default="[]"),
    Column("media_overrides", Text, nullable=False, server_default="{}"),
    Column("thread", Text, nullable=False, server_default="{}"),
    Index("ix_posts_listing", "workspace_id", "created_at", "id"),
)

BUSY_TARGET = text("status IN ('pending', 'publishing')")

post_targets = Table(
    "post_targets",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("post_id", Uuid, ForeignKey("posts.id"), nullable=False, index=True),
    Column("workspace_id", Uuid, ForeignKey("workspaces.id"), nullable=False),
    Column("integration_id", Uuid, ForeignKey("integrations.id"), nullable=False),
    Column("platform", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("scheduled_at", UtcDateTime, nullable=True),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("lease_expires_at", UtcDateTime, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("retries", Integer, nullable=False, server_default="0"),
    Column("platform_post_id", String(255), nullable=True),
    Column("platform_post_url", Text, nullable=True),
    Column("error_code", String(64), nullable=True),
    Column("error_message", Text, nullable=True),
    Column("published_at", UtcDateTime, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("parts", Text, nullable=False, server_default="{}"),
    Index(
        "ix_post_targets_busy",
        "integration_id",
        "scheduled_at",
        sqlite_where=BUSY_TARGET,
        postgresql_where=BUSY_TARGET,
    ),
    Index("ix_post_targets_due", "status", "next_attempt_at"),
    # A workspace's targets in a status: the listing's status filter (migration 0009).
    Index("ix_post_targets_by_status", "workspace_id", "status", "post_id"),
)

# The revision of a workspace's posts: the sum of its rows, which triggers move on at every
# write to its posts and post targets (migration 0011; on PostgreSQL a row per stripe).
post_revisions = Table(
    "post_revisions",
    metadata,
    Column("workspace_id", Uuid, primary_key=True),
    Column("stripe", Integer, primary_key=True),
    Column("rev", BigInteger, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("workspace_id", Uuid, ForeignKey("workspaces.id"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("response_body", LargeBinary, nullable=True),
    Column("created_at", UtcDateTime, nullable=False, index=True),
    # What the key's request created, written in the same transaction as that resource.
    Column("resource_id", Uuid, nullable=True),
)

# What an integration's next slot depends on has changed when the sum of its rows here
# has: triggers add to it at every such write (migration 0010). On PostgreSQL each backend
# adds to its own stripe, so writers to one integration never wait on one counter row.
slot_revisions = Table(
    "slot_revisions",
    metadata,
    Column("integration_id", Uuid, primary_key=True),
    Column("stripe", Integer, primary_key=True, autoincrement=False),
    Column("rev", BigInteger, nullable=False),
)

# At most one queue per integration (section 9). Slots and blocked dates are JSON text:
# they are read and written whole, never queried.
integration_queues = Table(
    "integration_queues",
    metadata,
    Column("integration_id", Uuid, ForeignKey("integrations.id"), primary_key=True),
    Column("timezone", String(64), nullable=False),
    Column("slots", Text, nullable=False),
    Column("blocked_dates", Text, nullable=False),
    Column("min_gap_minutes", Integer, nullable=False),
    Column("horizon_days", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

media = Table(
    "media",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, ForeignKey("workspaces.id"), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("duration_ms", Integer, nullable=True),
    Column("alt_text", Text, nullable=True),
    Column("sha256", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_media_listing", "workspace_id", "created_at", "id"),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, ForeignKey("workspaces.id"), nullable=False),
    Column("url", Text, nullable=False),
    Column("events", Text, nullable=False),
    Column("description", Text, nullable=True),
    Column("enabled", Boolean, nullable=False),
    Column("disabled_reason", String(32), nullable=True),
    Column("secret_ciphertext", LargeBinary, nullable=False),
    Column("previous_secret_ciphertext", LargeBinary, nullable=True),
    Column("previous_secret_expires_at", UtcDateTime, nullable=True),
    Column("failing_since", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_webhook_endpoints_listing", "workspace_id", "created_at", "id"),
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("workspace_id", Uuid, ForeignKey("workspaces.id"), nullable=False),
    Column("type", String(40), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False, index=True),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, ForeignKey("workspaces.id"), nullable=False),
    Column("endpoint_id", Uuid, ForeignKey("webhook_endpoints.id"), nullable=False),
    Column("event_id", String(40), ForeignKey("webhook_events.id"), nullable=False, index=True),
    Column("event_type", String(40), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("lease_expires_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_webhook_deliveries_listing", "endpoint_id", "created_at", "id"),
    Index("ix_webhook_deliveries_due", "endpoint_id", "status", "next_attempt_at"),
)
