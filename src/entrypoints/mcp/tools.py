"""The MCP tools: each parses its arguments, runs one use case for the caller's workspace,
and answers with the API's own object (the HTTP edge's presenters, so the shapes exist
once). Descriptions are written for a model choosing a tool: one line each."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from dishka import AsyncContainer

from application.cancel_post import CancelPost
from application.create_post import CreatePost, CreatePostCommand
from application.find_next_slot import FindNextSlot
from application.get_integration import GetIntegration
from application.get_post import GetPost
from application.list_integrations import ListIntegrations, ListIntegrationsQuery
from application.list_posts import ListPosts, ListPostsQuery
from application.list_slots import ListSlots, ListSlotsQuery
from application.ports.api_keys import Principal
from application.update_post import UpdatePost, UpdatePostCommand
from application.upload_media_from_url import UploadMediaFromUrl, UploadMediaFromUrlCommand
from entrypoints.http.media_schemas import Media, media_out
from entrypoints.http.params import parse_cursor, parse_filter_id, parse_id, parse_schedule
from entrypoints.http.post_schemas import Post, PostList, post_out
from entrypoints.http.queue_schemas import SlotPreviewList, slots_out
from entrypoints.http.schemas import (
    Integration,
    IntegrationList,
    Slot,
    integration_out,
    slot_out,
)
from entrypoints.mcp.arguments import (
    CreatePostArgs,
    IntegrationArgs,
    ListIntegrationsArgs,
    ListPostsArgs,
    ListSlotsArgs,
    PostArgs,
    UpdatePostArgs,
    UploadMediaFromUrlArgs,
)

Scope = AsyncContainer  # a request scope of the composition root


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    description: str
    arguments: type[msgspec.Struct]
    result: type[msgspec.Struct]
    run: Callable[[Scope, Principal, Any], Awaitable[msgspec.Struct]]


async def list_integrations(
    scope: Scope, caller: Principal, args: ListIntegrationsArgs
) -> IntegrationList:
    use_case = await scope.get(ListIntegrations)
    query = ListIntegrationsQuery(
        caller.workspace_id, args.status, args.limit, parse_cursor(args.starting_after)
    )
    page = await use_case.execute(query)
    return IntegrationList([integration_out(i) for i in page.items], page.has_more)


async def get_integration(scope: Scope, caller: Principal, args: IntegrationArgs) -> Integration:
    use_case = await scope.get(GetIntegration)
    return integration_out(
        await use_case.execute(caller.workspace_id, parse_id(args.integration_id))
    )


async def next_slot(scope: Scope, caller: Principal, args: IntegrationArgs) -> Slot:
    use_case = await scope.get(FindNextSlot)
    return slot_out(await use_case.execute(caller.workspace_id, parse_id(args.integration_id)))


async def list_slots(scope: Scope, caller: Principal, args: ListSlotsArgs) -> SlotPreviewList:
    query = ListSlotsQuery(caller.workspace_id, parse_id(args.integration_id), args.count)
    return slots_out(await (await scope.get(ListSlots)).execute(query))


async def upload_media_from_url(
    scope: Scope, caller: Principal, args: UploadMediaFromUrlArgs
) -> Media:
    command = UploadMediaFromUrlCommand(caller.workspace_id, args.url, args.alt_text)
    return media_out(await (await scope.get(UploadMediaFromUrl)).execute(command))


async def create_post(scope: Scope, caller: Principal, args: CreatePostArgs) -> Post:
    command = CreatePostCommand(
        workspace_id=caller.workspace_id,
        content=args.content,
        integration_ids=args.integrations,
        schedule_at=parse_schedule(args.schedule_at),
        tags=args.tags,
        overrides=args.platform_overrides.as_map() if args.platform_overrides else {},
        media=args.media,
        media_overrides=args.platform_overrides.media_map() if args.platform_overrides else {},
    )
    return post_out(await (await scope.get(CreatePost)).execute(command))


async def list_posts(scope: Scope, caller: Principal, args: ListPostsArgs) -> PostList:
    query = ListPostsQuery(
        caller.workspace_id,
        args.status,
        parse_filter_id(args.integration_id, "integration_id"),
        args.limit,
        parse_cursor(args.starting_after),
    )
    page = await (await scope.get(ListPosts)).execute(query)
    return PostList(data=[post_out(p) for p in page.items], has_more=page.has_more)


async def get_post(scope: Scope, caller: Principal, args: PostArgs) -> Post:
    use_case = await scope.get(GetPost)
    return post_out(await use_case.execute(caller.workspace_id, parse_id(args.post_id)))


async def update_post(scope: Scope, caller: Principal, args: UpdatePostArgs) -> Post:
    given = args.schedule_at is not msgspec.UNSET
    command = UpdatePostCommand(
        workspace_id=caller.workspace_id,
        post_id=parse_id(args.post_id),
        content=None if args.content is msgspec.UNSET else args.content,
        tags=None if args.tags is msgspec.UNSET else args.tags,
        reschedule=given,
        schedule_at=parse_schedule(args.schedule_at) if given else None,  # type: ignore[arg-type]
        media=None if args.media is msgspec.UNSET else args.media,
        media_overrides=(
            None
            if args.platform_overrides is msgspec.UNSET
            else args.platform_overrides.media_map()
        ),
    )
    return post_out(await (await scope.get(UpdatePost)).execute(command))


async def cancel_post(scope: Scope, caller: Principal, args: PostArgs) -> Post:
    use_case = await scope.get(CancelPost)
    return post_out(await use_case.execute(caller.workspace_id, parse_id(args.post_id)))


TOOLS = (
    Tool(
        "list_integrations",
        "List the workspace's connected social accounts (X, Bluesky), newest first; "
        "their ids are what posts target.",
        ListIntegrationsArgs,
        IntegrationList,
        list_integrations,
    ),
    Tool(
        "get_integration",
        "Get one connected account by id, with its status (active, needs_refresh, disconnected).",
        IntegrationArgs,
        Integration,
        get_integration,
    ),
    Tool(
        "next_slot",
        "Find the next free posting time (a top of the hour in the next 7 days, an hour "
        "from any scheduled post) for one account.",
        IntegrationArgs,
        Slot,
        next_slot,
    ),
    Tool(
        "list_slots",
        "Preview one account's next free posting times by its queue (or the default rule), "
        "earliest first, in UTC and on the queue's clock; nothing is reserved.",
        ListSlotsArgs,
        SlotPreviewList,
        list_slots,
    ),
    Tool(
        "upload_media_from_url",
        "Store the image or video at a public http(s) URL as media (with optional alt "
        "text); its id goes in a post's media list.",
        UploadMediaFromUrlArgs,
        Media,
        upload_media_from_url,
    ),
    Tool(
        "create_post",
        "Create a post on one or more accounts: a draft (schedule_at null), at a time, or "
        'in the next free slot (schedule_at "next_slot").',
        CreatePostArgs,
        Post,
        create_post,
    ),
    Tool(
        "list_posts",
        "List the workspace's posts, newest first, optionally by status or account.",
        ListPostsArgs,
        PostList,
        list_posts,
    ),
    Tool(
        "get_post",
        "Get one post by id, with each target's publishing status, link and error.",
        PostArgs,
        Post,
        get_post,
    ),
    Tool(
        "update_post",
        "Edit a draft or scheduled post's content, schedule_at or tags; fields left out "
        "stay as they are.",
        UpdatePostArgs,
        Post,
        update_post,
    ),
    Tool(
        "cancel_post",
        "Cancel a draft or scheduled post so it is never published; nothing is deleted at "
        "any platform.",
        PostArgs,
        Post,
        cancel_post,
    ),
)
