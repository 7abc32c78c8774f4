"""A workspace to benchmark against, made with the app's own use cases and adapters:
a live workspace and its key (CreateWorkspace), integrations through the repository port,
and scheduled posts written straight into `posts` and `post_targets`."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.sqlalchemy.migrate import upgrade
from adapters.persistence.sqlalchemy.tables import post_targets, posts
from application.ports.unit_of_work import UnitOfWork
from application.workspaces import CreateWorkspace
from domain.integration import Integration, Profile
from domain.platform import Platform
from domain.workspace import WorkspaceMode
from entrypoints.composition import build_container
from entrypoints.settings import load_settings


@dataclass(frozen=True)
class Seeded:
    workspace_id: UUID
    api_key: str
    integration_ids: list[UUID]
    busy_integration_id: UUID


def busy_hours(count: int, now: datetime, rng: random.Random) -> list[datetime]:
    """`count` tops of the hour drawn at random (with repeats) from the 7-day window, so
    a free slot remains and the answer is a 200."""
    first = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return [first + timedelta(hours=rng.randrange(0, 167)) for _ in range(count)]


def post_rows(
    workspace_id: UUID, integration_id: UUID, times: list[datetime], now: datetime
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    post_list, target_list = [], []
    for moment in times:
        post_id = uuid4()
        post_list.append(
            {
                "id": post_id,
                "workspace_id": workspace_id,
                "content": "Benchmark post",
                "tags": "[]",
                "platform_overrides": "{}",
                "scheduled_at": moment,
                "canceled_at": None,
                "created_at": now,
                "updated_at": now,
            }
        )
        target_list.append(
            {
                "id": uuid4(),
                "post_id": post_id,
                "workspace_id": workspace_id,
                "integration_id": integration_id,
                "platform": "twitter",
                "content": "Benchmark post",
                "status": "pending",
                "scheduled_at": moment,
                "next_attempt_at": moment,
                "lease_expires_at": None,
                "attempts": 0,
                "retries": 0,
                "updated_at": now,
            }
        )
    return post_list, target_list


async def seed_workspace(
    settings_env: dict[str, str], integrations: int = 10, busy_posts: int = 150
) -> Seeded:
    settings = load_settings(settings_env, dotenv=None)
    container = build_container(settings)
    try:
        engine = await container.get(AsyncEngine)
        await upgrade(engine)
        async with container() as scope:
            created = await (await scope.get(CreateWorkspace)).execute(
                "bench", WorkspaceMode.LIVE
            )
        workspace_id = created.workspace.id
        now = datetime.now(UTC).replace(microsecond=0)
        made = [
            Integration.connect(
                id=uuid4(),
                workspace_id=workspace_id,
                platform=Platform.TWITTER if i % 2 == 0 else Platform.BLUESKY,
                profile=Profile(
                    platform_user_id=str(1_000_000 + i),
                    username=f"bench_account_{i}",
                    display_name=f"Benchmark account {i}",
                    avatar_url=f"https://example.com/avatars/{i}.png",
                ),
                now=now - timedelta(minutes=i),
            )
            for i in range(integrations)
        ]
        async with container() as scope:
            uow = await scope.get(UnitOfWork)
            async with uow:
                for integration in made:
                    await uow.integrations.add(integration)
                await uow.commit()
        busy = made[0]
        times = busy_hours(busy_posts, now, random.Random(42))
        post_list, target_list = post_rows(workspace_id, busy.id, times, now)
        if post_list:
            async with engine.begin() as conn:
                await conn.execute(insert(posts), post_list)
                await conn.execute(insert(post_targets), target_list)
        return Seeded(
            workspace_id=workspace_id,
            api_key=created.api_key.plaintext,
            integration_ids=[i.id for i in made],
            busy_integration_id=busy.id,
        )
    finally:
        await container.close()
