"""Integrations, their OAuth states and their credentials: rows <-> entities."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping

from application.ports.credentials import Credentials
from application.ports.oauth_states import OAuthState
from domain.integration import Integration, IntegrationStatus, IntegrationWarning, StatusReason
from domain.platform import Platform


def integration_to_row(integration: Integration) -> dict[str, Any]:
    return {
        "id": integration.id,
        "workspace_id": integration.workspace_id,
        "platform": integration.platform.value,
        "platform_user_id": integration.platform_user_id,
        "username": integration.username,
        "display_name": integration.display_name,
        "avatar_url": integration.avatar_url,
        "status": integration.status.value,
        "status_reason": integration.status_reason.value if integration.status_reason else None,
        "warnings": ",".join(w.value for w in integration.warnings),
        "connected_at": integration.connected_at,
        "updated_at": integration.updated_at,
    }


def integration_from_row(row: RowMapping | Mapping[str, Any]) -> Integration:
    reason = row["status_reason"]
    return Integration(
        id=row["id"],
        workspace_id=row["workspace_id"],
        platform=Platform(row["platform"]),
        platform_user_id=row["platform_user_id"],
        username=row["username"],
        display_name=row["display_name"],
        avatar_url=row["avatar_url"],
        status=IntegrationStatus(row["status"]),
        status_reason=StatusReason(reason) if reason else None,
        connected_at=row["connected_at"],
        updated_at=row["updated_at"],
        warnings=tuple(IntegrationWarning(w) for w in row["warnings"].split(",") if w),
    )


def oauth_state_from_row(row: RowMapping) -> OAuthState:
    return OAuthState(
        state=row["state"],
        workspace_id=row["workspace_id"],
        platform=Platform(row["platform"]),
        code_verifier=row["code_verifier"],
        redirect_uri=row["redirect_uri"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def credentials_to_bytes(credentials: Credentials) -> bytes:
    return json.dumps(
        {
            "access_token": credentials.access_token,
            "refresh_token": credentials.refresh_token,
            "expires_at": _iso(credentials.expires_at),
            "refresh_expires_at": _iso(credentials.refresh_expires_at),
            "scopes": list(credentials.scopes),
            "password": credentials.password,
            "extra": dict(credentials.extra),
        }
    ).encode()


def credentials_from_bytes(data: bytes) -> Credentials:
    raw = json.loads(data)
    return Credentials(
        access_token=raw["access_token"],
        refresh_token=raw["refresh_token"],
        expires_at=_from_iso(raw["expires_at"]),
        refresh_expires_at=_from_iso(raw["refresh_expires_at"]),
        scopes=tuple(raw["scopes"]),
        password=raw["password"],
        extra=raw["extra"],
    )
