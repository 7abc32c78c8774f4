"""Workspaces and API keys: rows <-> entities."""

from __future__ import annotations

from sqlalchemy import RowMapping

from domain.workspace import ApiKey, Workspace, WorkspaceMode


def workspace_from_row(row: RowMapping) -> Workspace:
    return Workspace(
        id=row["id"],
        name=row["name"],
        mode=WorkspaceMode(row["mode"]),
        created_at=row["created_at"],
    )


def api_key_from_row(row: RowMapping) -> ApiKey:
    return ApiKey(
        id=row["id"],
        workspace_id=row["workspace_id"],
        prefix=row["prefix"],
        key_hash=row["key_hash"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )
