"""Row <-> entity conversions for posts, their targets and stored idempotent responses."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from adapters.persistence.sqlalchemy.thread_mappers import (
    links_from_json,
    parts_from_json,
    parts_to_json,
    thread_from_json,
    thread_to_json,
)
from application.ports.idempotency import StoredResponse
from domain.platform import Platform
from domain.post import Post
from domain.post_target import PostTarget, TargetError, TargetStatus


def post_to_row(post: Post) -> dict[str, Any]:
    return {
        "id": post.id,
        "workspace_id": post.workspace_id,
        "content": post.content,
        "tags": json.dumps(list(post.tags)),
        "platform_overrides": json.dumps({p.value: text for p, text in post.overrides.items()}),
        "scheduled_at": post.scheduled_at,
        "canceled_at": post.canceled_at,
        "created_at": post.created_at,
        "updated_at": post.updated_at,
        "media": json.dumps([str(m) for m in post.media]),
        "media_overrides": json.dumps(
            {p.value: [str(m) for m in ids] for p, ids in post.media_overrides.items()}
        ),
        "thread": thread_to_json(post.thread),
    }


def target_to_row(post: Post, target: PostTarget) -> dict[str, Any]:
    return {"post_id": post.id, "workspace_id": post.workspace_id, **target_values(target)}


def target_values(target: PostTarget) -> dict[str, Any]:
    """A target's own columns, all but its post's (`post_id`, `workspace_id`)."""
    return {
        "id": target.id,
        "integration_id": target.integration_id,
        "platform": target.platform.value,
        "content": target.content,
        "status": target.status.value,
        "scheduled_at": target.scheduled_at,
        "next_attempt_at": target.next_attempt_at,
        "lease_expires_at": target.lease_expires_at,
        "attempts": target.attempts,
        "retries": target.retries,
        "platform_post_id": target.platform_post_id,
        "platform_post_url": target.platform_post_url,
        "error_code": target.error.code if target.error else None,
        "error_message": target.error.message if target.error else None,
        "published_at": target.published_at,
        "updated_at": target.updated_at,
        "parts": parts_to_json(target.parts, target.links),
    }


def target_from_row(row: Mapping[str, Any]) -> PostTarget:
    code = row["error_code"]
    return PostTarget(
        id=row["id"],
        integration_id=row["integration_id"],
        platform=Platform(row["platform"]),
        content=row["content"],
        status=TargetStatus(row["status"]),
        scheduled_at=row["scheduled_at"],
        next_attempt_at=row["next_attempt_at"],
        lease_expires_at=row["lease_expires_at"],
        attempts=row["attempts"],
        retries=row["retries"],
        platform_post_id=row["platform_post_id"],
        platform_post_url=row["platform_post_url"],
        error=TargetError(code, row["error_message"] or "") if code else None,
        published_at=row["published_at"],
        updated_at=row["updated_at"],
        parts=parts_from_json(row.get("parts"), row),
        links=links_from_json(row.get("parts")),
    )


def post_from_rows(row: Mapping[str, Any], targets: Iterable[Mapping[str, Any]]) -> Post:
    overrides = json.loads(row["platform_overrides"] or "{}")
    return Post(
        id=row["id"],
        workspace_id=row["workspace_id"],
        content=row["content"],
        tags=tuple(json.loads(row["tags"] or "[]")),
        overrides={Platform(p): text for p, text in overrides.items()},
        scheduled_at=row["scheduled_at"],
        canceled_at=row["canceled_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        targets=[target_from_row(t) for t in targets],
        media=tuple(UUID(m) for m in json.loads(row.get("media") or "[]")),
        media_overrides={
            Platform(p): tuple(UUID(m) for m in ids)
            for p, ids in json.loads(row.get("media_overrides") or "{}").items()
        },
        thread=thread_from_json(row.get("thread")),
    )


def response_to_bytes(response: StoredResponse) -> bytes:
    return json.dumps(
        {
            "headers": [list(pair) for pair in response.headers],
            "body": base64.b64encode(response.body).decode("ascii"),
        }
    ).encode()


def response_from_bytes(status: int, data: bytes) -> StoredResponse:
    raw = json.loads(data)
    return StoredResponse(
        status=status,
        headers=tuple((str(k), str(v)) for k, v in raw["headers"]),
        body=base64.b64decode(raw["body"]),
    )


def media_ids_for(platform: Platform, media: str | None, overrides: str | None) -> tuple[UUID, ...]:
    """A target's media from its post's stored lists: the platform's own, else the post's."""
    chosen = json.loads(overrides or "{}").get(platform.value)
    if chosen is None:
        chosen = json.loads(media or "[]")
    return tuple(UUID(m) for m in chosen)
