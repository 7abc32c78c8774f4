"""The /v1/posts routes: parse, call one use case, shape the answer."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from dishka import FromDishka
from litestar import Controller, Request, delete, get, patch, post
from litestar.datastructures import ResponseHeader
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from application.cancel_post import CancelPost
from application.create_post import CreatePost, CreatePostCommand
from application.get_post import GetPost
from application.list_posts import ListPosts, ListPostsQuery
from application.update_post import UpdatePost, UpdatePostCommand
from domain.post import PostStatus
from entrypoints.http.caller import caller
from entrypoints.http.inject import inject, inject_app
from entrypoints.http.openapi import API_KEY, answers, errors
from entrypoints.http.params import parse_cursor, parse_filter_id, parse_id, parse_schedule
from entrypoints.http.post_schemas import (
    NewPost,
    Post,
    PostChanges,
    PostList,
    post_out,
)
from entrypoints.http.rendered import JsonAnswer, RenderedPosts
from entrypoints.http.thread_schemas import thread_changes, thread_settings
from entrypoints.refusals import validation_error

Limit = Annotated[int, QueryParameter(ge=1, le=200, description="Page size, 1-200.")]
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Retry safely: the same key and body within 24 h replay the first answer.",
    ),
]
REPLAYED = [
    ResponseHeader(
        name="Idempotent-Replayed",
        description="`true` when this answer is a replay of an earlier request's.",
        required=False,
        documentation_only=True,
    )
]


class PostController(Controller):
    path = "/v1/posts"
    security = API_KEY
    tags = ["Posts"]

    @post(
        "/",
        status_code=201,
        responses=errors(400, 409, 413, 422),
        response_headers=REPLAYED,
        summary="Create a post",
        operation_id="createPost",
    )
    @inject
    async def create_post(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[CreatePost],
        data: JSONBody[NewPost],
        idempotency_key: IdempotencyKey = None,
    ) -> Post:
        """A draft (`schedule_at` null or omitted), a post at a time (60 s to 180 days
        ahead), or the next slot free on every integration (`"next_slot"`). Content is
        checked per target platform, overrides first. A thread: `thread_parts` instead of
        `content`, or `post_type: "thread"` with `content` split per platform."""
        if data.thread_parts is not None and data.content:
            raise validation_error("content", "give content or thread_parts, not both")
        overrides = data.platform_overrides.given() if data.platform_overrides else {}
        settings = thread_settings(
            post_type="thread" if data.thread_parts is not None else data.post_type,
            parts=data.thread_parts,
            overrides=dict(overrides),
            link_preview=data.link_preview,
            langs=data.langs,
        )
        command = CreatePostCommand(
            workspace_id=caller(request).workspace_id,
            content=data.content,
            integration_ids=data.integrations,
            schedule_at=parse_schedule(data.schedule_at),
            tags=data.tags,
            overrides=data.platform_overrides.as_map() if data.platform_overrides else {},
            idempotency_key=idempotency_key,
            media=data.media,
            media_overrides=data.platform_overrides.media_map() if data.platform_overrides else {},
            thread=settings,
        )
        return post_out(await use_case.execute(command))

    @get(
        "/",
        responses=errors(422) | answers(PostList),
        summary="List posts",
        operation_id="listPosts",
    )
    @inject_app
    async def list_posts(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[ListPosts],
        kept: FromDishka[RenderedPosts],
        status: FromQuery[PostStatus | None] = None,
        integration_id: FromQuery[str | None] = None,
        limit: Limit = 20,
        starting_after: FromQuery[str | None] = None,
    ) -> JsonAnswer:
        """Every status unless one is asked for; newest first. Answered from a page kept
        per revision of the workspace's posts (see `rendered.py`), so never stale."""
        workspace_id = caller(request).workspace_id
        cursor = parse_cursor(starting_after)
        query = ListPostsQuery(
            workspace_id,
            status,
            parse_filter_id(integration_id, "integration_id"),
            limit,
            cursor,
        )

        async def render() -> bytes:
            page = await use_case.execute(query)
            items = [post_out(p) for p in page.items]
            return msgspec.json.encode(PostList(data=items, has_more=page.has_more))

        return JsonAnswer(await kept.answer(query, workspace_id, render))

    @get("/{post_id:str}", responses=errors(404), summary="Get a post", operation_id="getPost")
    @inject
    async def get_post(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[GetPost],
        post_id: FromPath[str],
    ) -> Post:
        return post_out(await use_case.execute(caller(request).workspace_id, parse_id(post_id)))

    @patch(
        "/{post_id:str}",
        responses=errors(400, 404, 409, 413, 422),
        summary="Edit a post",
        operation_id="updatePost",
    )
    @inject
    async def update_post(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[UpdatePost],
        post_id: FromPath[str],
        data: JSONBody[PostChanges],
    ) -> Post:
        """Content, schedule, tags, media and thread settings, while the post is a draft or
        scheduled. `platform_overrides.{platform}.media` replaces one platform's media
        (null: the post's media again); other override fields are set at creation only."""
        given = data.schedule_at is not msgspec.UNSET
        command = UpdatePostCommand(
            workspace_id=caller(request).workspace_id,
            post_id=parse_id(post_id),
            content=None if data.content is msgspec.UNSET else data.content,
            tags=None if data.tags is msgspec.UNSET else data.tags,
            reschedule=given,
            schedule_at=parse_schedule(data.schedule_at) if given else None,  # type: ignore[arg-type]
            media=None if data.media is msgspec.UNSET else data.media,
            media_overrides=(
                None
                if data.platform_overrides is msgspec.UNSET
                else data.platform_overrides.media_map()
            ),
            thread=thread_changes(
                post_type=data.post_type,
                parts=data.thread_parts,
                link_preview=data.link_preview,
                langs=data.langs,
            ),
        )
        return post_out(await use_case.execute(command))

    @delete(
        "/{post_id:str}",
        status_code=200,
        responses=errors(404, 409),
        summary="Cancel a post",
        operation_id="cancelPost",
    )
    @inject
    async def cancel_post(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[CancelPost],
        post_id: FromPath[str],
    ) -> Post:
        """Cancels a draft or scheduled post; nothing is deleted at any platform."""
        return post_out(await use_case.execute(caller(request).workspace_id, parse_id(post_id)))
