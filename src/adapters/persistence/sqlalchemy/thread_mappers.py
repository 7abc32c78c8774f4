"""A post's thread settings and a target's parts as JSON text columns (`posts.thread`,
`post_targets.parts`): read and written whole with their row, like `tags` and `media`."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from domain.platform import Platform
from domain.post_part import PartStatus, PostPart
from domain.post_target import TargetStatus
from domain.thread import PartSpec, PostType, TargetLinks, ThreadSettings


def thread_to_json(settings: ThreadSettings) -> str:
    return json.dumps(
        {
            "post_type": settings.post_type.value,
            "parts": [_spec(p) for p in settings.parts],
            "part_overrides": {
                p.value: [_spec(s) for s in parts] for p, parts in settings.part_overrides.items()
            },
            "reply_to": {p.value: ref for p, ref in settings.reply_to.items()},
            "quote_of": {p.value: ref for p, ref in settings.quote_of.items()},
            "link_preview": settings.link_preview,
            "link_preview_overrides": {
                p.value: on for p, on in settings.link_preview_overrides.items()
            },
            "langs": list(settings.langs),
        }
    )


def thread_from_json(text: str | None) -> ThreadSettings:
    raw: dict[str, Any] = json.loads(text or "{}")
    if not raw:
        return ThreadSettings()
    return ThreadSettings(
        post_type=PostType(raw["post_type"]),
        parts=tuple(_spec_of(p) for p in raw["parts"]),
        part_overrides={
            Platform(p): tuple(_spec_of(s) for s in parts)
            for p, parts in raw["part_overrides"].items()
        },
        reply_to={Platform(p): ref for p, ref in raw["reply_to"].items()},
        quote_of={Platform(p): ref for p, ref in raw["quote_of"].items()},
        link_preview=bool(raw["link_preview"]),
        link_preview_overrides={
            Platform(p): bool(on) for p, on in raw["link_preview_overrides"].items()
        },
        langs=tuple(raw["langs"]),
    )


def parts_to_json(parts: list[PostPart], links: TargetLinks) -> str:
    """`{"parts": [...], "links": {...}}`: the target's delivery plan and its progress."""
    plan = {
        "reply_to": links.reply_to,
        "quote_of": links.quote_of,
        "langs": list(links.langs),
        "link_cards": links.link_cards,
    }
    return json.dumps(
        {
            "links": plan,
            "parts": [
                {
                    "index": p.index,
                    "content": p.content,
                    "media": [str(m) for m in p.media],
                    "status": p.status.value,
                    "platform_post_id": p.platform_post_id,
                    "platform_post_url": p.platform_post_url,
                    "cid": p.cid,
                }
                for p in parts
            ],
        }
    )


def links_from_json(text: str | None) -> TargetLinks:
    raw = json.loads(text or "{}")
    plan = raw.get("links") if isinstance(raw, dict) else None
    if not plan:
        return TargetLinks()
    return TargetLinks(
        plan["reply_to"], plan["quote_of"], tuple(plan["langs"]), bool(plan["link_cards"])
    )


def parts_from_json(text: str | None, row: Any) -> list[PostPart]:
    """The stored parts; a row written before parts existed is one part mirroring it."""
    raw = json.loads(text or "{}")
    stored = raw.get("parts") if isinstance(raw, dict) else None
    if stored:
        return [_part_of(p) for p in stored]
    status = {
        TargetStatus.PUBLISHED.value: PartStatus.PUBLISHED,
        TargetStatus.FAILED.value: PartStatus.FAILED,
    }.get(row["status"], PartStatus.PENDING)
    return [
        PostPart(0, row["content"], (), status, row["platform_post_id"], row["platform_post_url"])
    ]


def _part_of(raw: dict[str, Any]) -> PostPart:
    return PostPart(
        index=raw["index"],
        content=raw["content"],
        media=tuple(UUID(m) for m in raw["media"]),
        status=PartStatus(raw["status"]),
        platform_post_id=raw["platform_post_id"],
        platform_post_url=raw["platform_post_url"],
        cid=raw["cid"],
    )


def _spec(part: PartSpec) -> dict[str, Any]:
    return {"content": part.content, "media": [str(m) for m in part.media]}


def _spec_of(raw: dict[str, Any]) -> PartSpec:
    return PartSpec(raw["content"], tuple(UUID(m) for m in raw["media"]))
