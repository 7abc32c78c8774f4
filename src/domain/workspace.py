"""Workspaces and their API keys."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

KEY_PREFIX_LENGTH = 12
KEY_BODY_LENGTH = 32


class WorkspaceMode(StrEnum):
    """A live workspace posts for real; a test one publishes to a simulated platform."""

    LIVE = "live"
    TEST = "test"

    @property
    def key_prefix(self) -> str:
        return f"op_{self.value}_"


@dataclass(frozen=True, slots=True)
class Workspace:
    id: UUID
    name: str
    mode: WorkspaceMode
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key as stored: never the key itself, only its SHA-256 and its visible prefix."""

    id: UUID
    workspace_id: UUID
    prefix: str
    key_hash: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_api_key(key: str) -> bool:
    """Cheap shape check so garbage never reaches storage."""
    if len(key) != len("op_live_") + KEY_BODY_LENGTH:
        return False
    return key.startswith(("op_live_", "op_test_"))
