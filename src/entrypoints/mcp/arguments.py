"""The tools' arguments as msgspec Structs: one definition gives both the JSON schema a
client sees and the check a call goes through. `create_post` and `update_post` take the
API's own request bodies, so a post is described the same way over HTTP and MCP."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from application.list_slots import DEFAULT_SLOT_COUNT, MAX_SLOT_COUNT
from domain.integration import IntegrationStatus
from domain.post import PostStatus
from entrypoints.http.media_schemas import NewMediaFromUrl
from entrypoints.http.post_schemas import NewPost, PostChanges

IntegrationId = Annotated[str, msgspec.Meta(description="An integration id (a UUID).")]
PostId = Annotated[str, msgspec.Meta(description="A post id (a UUID).")]
Limit = Annotated[int, msgspec.Meta(ge=1, le=200, description="Page size, 1-200.")]
StartingAfter = Annotated[
    str | None,
    msgspec.Meta(description="Cursor: the id of the last item of the previous page."),
]


class ListIntegrationsArgs(msgspec.Struct, forbid_unknown_fields=True):
    status: (
        Annotated[
            IntegrationStatus,
            msgspec.Meta(description="Only this status; by default every one but disconnected."),
        ]
        | None
    ) = None
    limit: Limit = 20
    starting_after: StartingAfter = None


class IntegrationArgs(msgspec.Struct, forbid_unknown_fields=True):
    integration_id: IntegrationId


class ListPostsArgs(msgspec.Struct, forbid_unknown_fields=True):
    status: (
        Annotated[PostStatus, msgspec.Meta(description="Only this status; by default all.")] | None
    ) = None
    integration_id: (
        Annotated[str, msgspec.Meta(description="Only posts with a target on it.")] | None
    ) = None
    limit: Limit = 20
    starting_after: StartingAfter = None


class PostArgs(msgspec.Struct, forbid_unknown_fields=True):
    post_id: PostId


class ListSlotsArgs(msgspec.Struct, forbid_unknown_fields=True):
    integration_id: IntegrationId
    count: Annotated[
        int, msgspec.Meta(ge=1, le=MAX_SLOT_COUNT, description=f"How many, 1-{MAX_SLOT_COUNT}.")
    ] = DEFAULT_SLOT_COUNT


class UpdatePostArgs(PostChanges, kw_only=True, forbid_unknown_fields=True):
    """The post to edit, and only the fields that change."""

    post_id: PostId


CreatePostArgs = NewPost
UploadMediaFromUrlArgs = NewMediaFromUrl


def input_schema(arguments: type[msgspec.Struct]) -> dict[str, Any]:
    """The Struct's JSON schema with the Struct itself at the top (a tool's input schema
    must be an object schema), the types it refers to kept under `$defs`."""
    schema = msgspec.json.schema(arguments)
    defs: dict[str, Any] = schema.pop("$defs", {})
    top: dict[str, Any] = defs.pop(arguments.__name__)
    top.pop("title", None)
    return {**top, "$defs": defs} if defs else top
