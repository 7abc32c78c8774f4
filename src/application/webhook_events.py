"""The events that changes report, built from the entities that changed. Their `data` is
what the API would show at that moment: the Integration as `GET /v1/integrations/{id}`
renders it; for a post target, the fields the contract lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.integration import Integration
from domain.post import Post
from domain.post_target import PostTarget, TargetStatus
from domain.webhooks.events import EventDraft, EventType, rfc3339


def integration_data(integration: Integration) -> dict[str, Any]:
    return {
        "id": str(integration.id),
        "platform": integration.platform.value,
        "username": integration.username,
        "display_name": integration.display_name,
        "status": integration.status.value,
        "status_reason": integration.status_reason.value if integration.status_reason else None,
        "avatar_url": integration.avatar_url,
        "platform_user_id": integration.platform_user_id,
        "connected_at": rfc3339(integration.connected_at),
        "updated_at": rfc3339(integration.updated_at),
        "warnings": [w.value for w in integration.warnings],
    }


def integration_event(kind: EventType, integration: Integration, now: datetime) -> EventDraft:
    return EventDraft(integration.workspace_id, kind, integration_data(integration), now)


def target_events(
    post: Post, target_id: UUID, before: TargetStatus, now: datetime
) -> tuple[EventDraft, ...]:
    """`post.published` or `post.failed` when the target has just become so; nothing
    otherwise (a retry scheduled, a late answer refused, no change)."""
    return target_change_events(post.workspace_id, post.id, post.target(target_id), before, now)


def target_change_events(
    workspace_id: UUID, post_id: UUID, target: PostTarget, before: TargetStatus, now: datetime
) -> tuple[EventDraft, ...]:
    """`target_events` for a target read without its post."""
    if target.status is before:
        return ()
    base = {
        "post_id": str(post_id),
        "integration_id": str(target.integration_id),
        "platform": target.platform.value,
    }
    if target.status is TargetStatus.PUBLISHED:
        data = base | {
            "platform_post_id": target.platform_post_id,
            "platform_post_url": target.platform_post_url,
        }
        return (EventDraft(workspace_id, EventType.POST_PUBLISHED, data, now),)
    if target.status is TargetStatus.FAILED and target.error is not None:
        error = {"code": target.error.code, "message": target.error.message}
        return (EventDraft(workspace_id, EventType.POST_FAILED, base | {"error": error}, now),)
    return ()
